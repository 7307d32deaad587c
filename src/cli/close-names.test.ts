import { describe, expect, it } from 'vitest';
import { closeNames } from './close-names.js';

describe('closeNames', () => {
  const known = ['order-agent-1', 'order-agent-2', 'payment-agent-1', 'node-7', 'cpu_usage', 'cpu_user_pct'];

  it('suggests names a few edits away or containing the typed one, best first', () => {
    expect(closeNames('order-agnt-1', known)).toEqual(['order-agent-1', 'order-agent-2']);
    expect(closeNames('payment', known)).toEqual(['payment-agent-1']);
    expect(closeNames('cpu_usge', known)).toEqual(['cpu_usage']);
  });

  it('suggests nothing for a name unlike any known one, and at most `max` names', () => {
    expect(closeNames('inventory-db', known)).toEqual([]);
    expect(closeNames('agent', known, 2)).toEqual(['order-agent-1', 'order-agent-2']);
  });
});
