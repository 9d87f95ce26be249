import type { Logger } from './logger.js';

/**
 * The AWS SDK prints an 8-line NodeVersionSupportWarning on Node < 22 from every client.
 * credd pins the SDK version that still supports Node 20, so the warning only alarms; it
 * is turned off for this process (and said once in the log, structured, when there is one).
 */
export function quietSdkNodeWarning(logger?: Logger): void {
  if (Number(process.versions.node.split('.')[0]) >= 22) return;
  if (process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] !== undefined) return;
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  logger?.info({ node: process.versions.node }, 'AWS SDK for JavaScript releases after January 2027 need Node 22; credd keeps working with the SDK version it ships with');
}
