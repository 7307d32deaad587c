import { Type, type Static } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { Db } from '../../store/db.js';

/** The body of an order request. */
export const OrderRequest = Type.Object({
  order_id: Type.Integer({ minimum: 1 }),
  customer_id: Type.Integer({ minimum: 0 }),
  items: Type.Array(
    Type.Object({ sku: Type.String({ maxLength: 32 }), qty: Type.Integer({ minimum: 1, maximum: 1000 }), unit_price: Type.Number({ minimum: 0 }) }),
    { minItems: 1, maxItems: 50 },
  ),
});
export type OrderRequest = Static<typeof OrderRequest>;

/** Extra work a scenario adds to every request (and removes when it ends). */
export type RequestHook = (order: OrderRequest) => void | Promise<void>;

interface PricedLine {
  readonly sku: string;
  readonly qty: number;
  readonly net: number;
  readonly tax: number;
}

const TAX_RATE = 0.2;

/** Prices the lines of an order: volume discount per line, tax, totals (the handler's normal CPU work). */
export function priceOrder(items: OrderRequest['items']): { lines: PricedLine[]; total: number } {
  const lines = items.map((it) => {
    const discount = it.qty >= 100 ? 0.1 : it.qty >= 10 ? 0.05 : 0;
    const net = Math.round(it.qty * it.unit_price * (1 - discount) * 100) / 100;
    return { sku: it.sku, qty: it.qty, net, tax: Math.round(net * TAX_RATE * 100) / 100 };
  });
  const total = lines.reduce((sum, l) => sum + l.net + l.tax, 0);
  return { lines, total: Math.round(total * 100) / 100 };
}

/**
 * The simulated agent's normal work per order: price it, read the order's row by primary key
 * (when there is a database; holding the connection `holdMs` when asked), run whatever the active
 * scenarios add, and answer. It logs at debug per request and a summary at info every 30 s.
 */
export class OrderWorkload {
  readonly hooks = new Set<RequestHook>();
  #served = 0;
  #sinceLog = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly db: Db | null,
    private readonly orders: number,
    private readonly log: Logger,
    /** The connection is held this long per lookup (pg_sleep), ms. */
    private readonly holdMs = 0,
  ) {
    this.#timer = setInterval(() => {
      this.log.info({ served: this.#served, last30s: this.#sinceLog, hooks: this.hooks.size }, 'orders served');
      this.#sinceLog = 0;
    }, 30_000);
    this.#timer.unref();
  }

  /** Serves one order. */
  async handle(order: OrderRequest): Promise<Record<string, unknown>> {
    const priced = priceOrder(order.items);
    let status = 'new';
    if (this.db) {
      const id = (order.order_id % this.orders) + 1;
      const { rows } =
        this.holdMs > 0
          ? await this.db.query<{ status: string }>('SELECT status, pg_sleep($2::float8 / 1000) FROM sim_orders WHERE id = $1', [id, this.holdMs])
          : await this.db.query<{ status: string }>('SELECT status FROM sim_orders WHERE id = $1', [id]);
      status = rows[0]?.status ?? status;
    }
    for (const hook of this.hooks) {
      const pending = hook(order);
      if (pending) await pending;
    }
    this.#served++;
    this.#sinceLog++;
    this.log.debug({ orderId: order.order_id, total: priced.total }, 'order served');
    return { order_id: order.order_id, status, total: priced.total, lines: priced.lines.length };
  }

  /** Stops the summary timer. */
  close(): void {
    clearInterval(this.#timer);
  }
}
