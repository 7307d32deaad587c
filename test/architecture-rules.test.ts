import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '..');
const DEPCRUISE = join(REPO, 'node_modules', '.bin', 'depcruise');

interface Violation {
  readonly rule: { readonly name: string };
  readonly from: string;
  readonly to: string;
}

/** Runs the project's dependency rules over a tree and returns the violations. */
function violationsIn(root: string): Violation[] {
  let out: string;
  try {
    out = execFileSync(DEPCRUISE, ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
      cwd: root,
      encoding: 'utf8',
      // The report of the whole project is over 1 MiB, execFileSync's default limit.
      maxBuffer: 256 * 1024 * 1024,
    });
  } catch (err) {
    out = (err as { stdout: string }).stdout;
  }
  return (JSON.parse(out) as { summary: { violations: Violation[] } }).summary.violations;
}

function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

describe('architecture rules of npm run lint', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('fail on a folder cycle, a pure folder importing an adapter or an I/O library, and a module cycle', () => {
    const root = mkdtempSync(join(tmpdir(), 'arch-'));
    dirs.push(root);
    copyFileSync(join(REPO, '.dependency-cruiser.cjs'), join(root, '.dependency-cruiser.cjs'));
    writeTree(root, {
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
      'src/model/units.ts': "import { limit } from '../config/limits.js';\nexport const unit = limit;\n",
      'src/config/limits.ts': "import { unit } from '../model/units.js';\nexport const limit = 1;\nexport const both = unit;\n",
      'src/bus/bus.ts': 'export const publish = (s: string) => s;\n',
      'src/alert/rule.ts': "import { publish } from '../bus/bus.js';\nexport const fire = () => publish('x');\n",
      'src/detect/reader.ts': "import { readFileSync } from 'node:fs';\nexport const read = () => readFileSync('x');\n",
    });
    const names = new Set(violationsIn(root).map((v) => v.rule.name));
    expect(names).toContain('layer-model');
    expect(names).toContain('no-circular');
    expect(names).toContain('pure-imports-no-adapter');
    expect(names).toContain('pure-imports-no-io-library');
  });

  it('pass on the project itself', () => {
    expect(violationsIn(REPO)).toEqual([]);
  });
});
