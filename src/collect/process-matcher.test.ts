import { describe, expect, it, vi } from 'vitest';
import { createProcessMatcher } from './process-matcher.js';

describe('createProcessMatcher', () => {
  const node = createProcessMatcher(['^node$']);

  it('matches on comm without reading the command line', () => {
    const argv = vi.fn(() => ['/usr/bin/node', 'app.js']);
    expect(node('node', argv)).toBe(true);
    expect(argv).not.toHaveBeenCalled();
  });

  it('matches on the basename of argv[0] when comm differs (a renamed process title)', () => {
    expect(node('MainThread', () => ['/usr/local/bin/node', 'server.js'])).toBe(true);
  });

  it('matches on the whole command line joined by spaces', () => {
    const m = createProcessMatcher(['agents/order-agent\\.js']);
    expect(m('node', () => ['node', '--max-old-space-size=512', 'agents/order-agent.js'])).toBe(true);
    expect(m('node', () => ['node', 'agents/billing.js'])).toBe(false);
    expect(createProcessMatcher(['^python3 -m worker'])('python3', () => ['python3', '-m', 'worker'])).toBe(true);
  });

  it('does not match what only resembles the pattern', () => {
    expect(node('nodemon', () => ['/usr/bin/nodemon'])).toBe(false);
    expect(node('kworker/0:0', () => [])).toBe(false);
  });

  it('matches nothing without patterns and never reads the command line then', () => {
    const argv = vi.fn(() => ['node']);
    expect(createProcessMatcher([])('node', argv)).toBe(false);
    expect(argv).not.toHaveBeenCalled();
  });

  it('names an invalid pattern', () => {
    expect(() => createProcessMatcher(['^node$', '(unclosed'])).toThrow(/invalid process pattern "\(unclosed"/);
  });
});
