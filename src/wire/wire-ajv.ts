import { Ajv } from 'ajv';
import formats from 'ajv-formats';

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
const addFormats = formats as unknown as { default: (ajv: Ajv) => Ajv };

/**
 * The one validator instance for NATS messages: compiled JSON Schemas (from TypeBox), first error
 * only, and the standard formats (`date-time`, `uuid`, ...) checked rather than ignored.
 */
export const wireAjv = new Ajv({ strict: false, allErrors: false, logger: false });
addFormats.default(wireAjv);
