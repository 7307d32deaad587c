import { describe, expect, it } from 'vitest';
import { renderProgress } from './progress-bar.js';

describe('progress bar', () => {
  it('fills in proportion to elapsed time and clamps at both ends', () => {
    expect(renderProgress('rec', 0, 10_000, 10)).toBe('rec [..........] 0.0/10.0 s');
    expect(renderProgress('rec', 4000, 10_000, 10)).toBe('rec [####......] 4.0/10.0 s');
    expect(renderProgress('rec', 12_000, 10_000, 10)).toBe('rec [##########] 10.0/10.0 s');
    expect(renderProgress('rec', -5, 1000, 4)).toBe('rec [....] 0.0/1.0 s');
  });
});
