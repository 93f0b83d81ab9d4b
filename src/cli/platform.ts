// The local platform as a command reaches it: connected, or a CliError that says why not
// (no mesh installed in RIG_HOME, and how to install one).
import { connectPlatform, type Platform } from '../platform/local/client.js';
import { CliError } from './errors.js';

/** The installed mesh's platform clients; a CliError when no mesh is installed. */
export function connectedPlatform(): Platform {
  try {
    return connectPlatform();
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}
