import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { FIXED_METRICS } from '../model/metric-names.js';
import { WIRE_SCHEMAS, jsonSchemaDocument } from './catalog.js';
import { OPTIMIZATION_ACTIONS, OPTIMIZATION_STATUSES } from '../model/optimization.js';
import { BOTTLENECK_KINDS } from '../model/bottleneck.js';

const DOC = readFileSync('docs/subjects.md', 'utf8');

/** The JSON examples of each `### \`subject\`` section of the page, by schema id. */
function examplesBySubject(markdown: string): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  let subject: string | null = null;
  for (const block of markdown.split(/^```/m).entries()) {
    const [i, text] = block;
    if (i % 2 === 0) {
      const headings = [...text.matchAll(/^### `([^`]+)`/gm)];
      if (headings.length > 0) subject = headings[headings.length - 1]![1]!.replace('<agent_id>', '{agent_id}');
    } else if (text.startsWith('json') && subject !== null) {
      out.set(subject, [...(out.get(subject) ?? []), JSON.parse(text.slice(4)) as unknown]);
    }
  }
  return out;
}

describe('docs/subjects.md', () => {
  it('has a section for every subject with a schema, and every example in it is valid against that schema', () => {
    const ajv = new Ajv2020({ strict: false });
    (formats as unknown as { default: (a: Ajv2020) => Ajv2020 }).default(ajv);
    for (const w of WIRE_SCHEMAS) ajv.addSchema(jsonSchemaDocument(w.subject, w.schema));
    const examples = examplesBySubject(DOC);
    for (const w of WIRE_SCHEMAS.filter((x) => x.direction !== 'reply')) {
      expect(DOC, `no section for ${w.subject}`).toContain(`### \`${w.subject.replace('{agent_id}', '<agent_id>')}\``);
    }
    expect(examples.size).toBeGreaterThanOrEqual(12);
    for (const [subject, list] of examples) {
      for (const example of list) {
        const ok = ajv.validate(subject, example);
        expect(ok, `${subject} example: ${ajv.errorsText()}`).toBe(true);
      }
    }
  });

  it('lists every fixed metric name, bottleneck kind, optimization action and status, and needs no outside file', () => {
    for (const name of [...FIXED_METRICS, ...BOTTLENECK_KINDS, ...OPTIMIZATION_ACTIONS, ...OPTIMIZATION_STATUSES]) {
      expect(DOC, name).toMatch(new RegExp(`^\\| \`${name}\` \\|`, 'm'));
    }
    expect(DOC).not.toMatch(/PROTOCOL\.md|\.\.\/shared/);
  });
});
