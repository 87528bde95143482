import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { constants } from 'node:os'

/**
 * How a process stops on SIGTERM or SIGINT (bin/server.ts, `queue:work`):
 * first every drain registered here runs at once, each until the same
 * deadline (the HTTP server lets the requests in flight finish, the queue
 * worker the jobs in hand, then gives back those still running); then the
 * app's terminating hooks (buffers flushed, threads ended), then the
 * database closes. Nothing here imports the app, so bin/server.ts can load
 * it before the app exists.
 */

type Drain = (deadline: number) => Promise<void>

const drains = new Map<string, Drain>()

/** Work to drain when the process is asked to stop; returns what unregisters it. */
export function drainOnStop(name: string, drain: Drain) {
  drains.set(name, drain)
  return () => {
    if (drains.get(name) === drain) drains.delete(name)
  }
}

/** Every registered drain at once, until `deadline` (epoch ms); resolves with those that threw. */
export async function drainAll(deadline: number) {
  const entries = [...drains.entries()]
  drains.clear()
  const results = await Promise.allSettled(entries.map(([, drain]) => drain(deadline)))
  return results.flatMap((result, i) =>
    result.status === 'rejected' ? [{ name: entries[i][0], error: result.reason as unknown }] : []
  )
}

/** Resolves at `deadline` (epoch ms), or at once if it has passed; the timer never holds the process. */
export function until(deadline: number) {
  return new Promise<void>((resolve) => {
    setTimeout(resolve, Math.max(0, deadline - Date.now())).unref()
  })
}

/** True when `work` settled before `deadline`, false when the deadline came first. */
export async function settledBy(work: Promise<unknown>, deadline: number) {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))
  })
  try {
    return await Promise.race([work.then(() => true as const), late])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * An HTTP server that can stop gracefully. Node's `server.close()` stops
 * accepting and waits for every connection to end: a keep-alive connection
 * that has served its requests is closed (Node 19+), but one that a client
 * opened without sending anything yet (browsers open such spare
 * connections) or whose request headers are unfinished holds the stop
 * until the client goes, and so does a slow request. So connections are
 * tracked with their requests in flight:
 *
 * - on `drain`, the listening socket closes (new connections are refused),
 *   connections with no request in flight are closed at once, and every
 *   response not yet begun, or begun later, says `Connection: close`;
 * - a connection whose last request in flight ends is closed then;
 * - at the deadline whatever is left is destroyed.
 */
export class GracefulHttpServer {
  private server: Server | null = null
  private stopping = false
  /** Open connections and how many requests each has in flight. */
  private readonly connections = new Map<Socket, number>()
  private readonly responses = new Set<ServerResponse>()

  /** Wraps the app's request handler: give the result to `http.createServer`, then `attach` the server. */
  listener(handle: RequestListener): RequestListener {
    return (request: IncomingMessage, response: ServerResponse) => {
      const socket = request.socket
      this.connections.set(socket, (this.connections.get(socket) ?? 0) + 1)
      this.responses.add(response)
      if (this.stopping) response.setHeader('Connection', 'close')
      response.once('close', () => {
        this.responses.delete(response)
        const inFlight = this.connections.get(socket)
        if (inFlight === undefined) return
        if (inFlight > 1) {
          this.connections.set(socket, inFlight - 1)
          return
        }
        this.connections.set(socket, 0)
        // Its last request ended: everything written is flushed before the connection ends.
        if (this.stopping) socket.end()
      })
      handle(request, response)
    }
  }

  attach<S extends Server>(server: S): S {
    this.server = server
    server.on('connection', (socket: Socket) => {
      if (this.stopping) {
        socket.destroy()
        return
      }
      this.connections.set(socket, 0)
      socket.once('close', () => this.connections.delete(socket))
    })
    return server
  }

  /** Connections open and requests in flight (for logs and tests). */
  stats() {
    let requests = 0
    for (const count of this.connections.values()) requests += count
    return { connections: this.connections.size, requests }
  }

  /**
   * Stops accepting, lets the requests in flight finish until `deadline`,
   * then destroys what is left. Resolves when the server has closed.
   */
  async drain(deadline: number) {
    const server = this.server
    if (!server) return
    this.stopping = true
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const response of this.responses) {
      if (!response.headersSent) response.setHeader('Connection', 'close')
    }
    for (const [socket, requests] of this.connections) {
      if (requests === 0) socket.destroy()
    }
    if (await settledBy(closed, deadline)) return
    server.closeAllConnections()
    for (const socket of this.connections.keys()) socket.destroy()
    await closed
  }
}

/**
 * After a clean stop the event loop should be empty and the process gone;
 * if something still holds it after `graceMs`, `report` is told what
 * (`process.getActiveResourcesInfo()`) and the process exits with `code`.
 */
export function exitIfHeld(graceMs: number, code: number, report: (resources: string[]) => void) {
  setTimeout(() => {
    // This timer is unref'd and not listed; a Timeout named here is someone else's.
    report(process.getActiveResourcesInfo())
    process.exit(code)
  }, graceMs).unref()
}

/** The exit code of a process ended by `signal` (128 + its number), as shells report it. */
export function signalExitCode(signal: NodeJS.Signals) {
  return 128 + (constants.signals[signal] ?? 1)
}
