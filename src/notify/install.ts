import { alertmanagerFormat } from './alertmanager-format.js';
import { FormatRegistry, type ReceiverFormat } from './receiver-format.js';
import { slackFormat } from './slack-format.js';
import { webhookFormat } from './webhook-format.js';

/** Every receiver format the engine ships: the one install list. */
export const INSTALLED_FORMATS: readonly ReceiverFormat[] = [alertmanagerFormat, webhookFormat, slackFormat];

/** A registry holding every installed format. */
export function installedFormats(): FormatRegistry {
  const registry = new FormatRegistry();
  for (const f of INSTALLED_FORMATS) registry.register(f);
  return registry;
}
