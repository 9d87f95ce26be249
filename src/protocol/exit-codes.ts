/** Exit status when the daemon is not running, so scripts can tell it from other failures. */
export const EXIT_DAEMON_NOT_RUNNING = 3;
