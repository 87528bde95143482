import env from '#start/env'

/**
 * Stopping on SIGTERM or SIGINT (bin/server.ts, `node ace queue:work`;
 * ARCHITECTURE.md "Stopping"). A second signal ends the process at once.
 */
const shutdown = {
  /**
   * Requests in flight and jobs in hand may run this long after the
   * signal; then the jobs still running are given back to the queue and
   * the connections still open are cut.
   */
  graceMs: env.get('SHUTDOWN_TIMEOUT_MS') ?? 8000,
  /**
   * After the grace: giving jobs back, the terminating hooks (flushes) and
   * closing the database get this long before the process is forced out,
   * so a stop with the default grace ends within 10 s.
   */
  closeMs: 1500,
}

export default shutdown
