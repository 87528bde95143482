import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Starts `server` on a free loopback port; answers its base URL. */
export async function listenLocally(server: Server) {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Closes `server`, keep-alive connections included, so a test's cleanup does not wait on them. */
export async function closeServer(server: Server) {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
}
