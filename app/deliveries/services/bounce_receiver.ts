import type { AddressInfo } from 'node:net'
import logger from '@adonisjs/core/services/logger'
import { SMTPServer } from 'smtp-server'
import deliveries from '#config/deliveries'
import RecordBounce from '#deliveries/actions/record_bounce'
import { bounceDomain, messageOfBounceAddress } from '#deliveries/services/bounce_addresses'

/**
 * The platform's bounce mailbox: an SMTP server (smtp-server) that mail
 * servers reach through BOUNCE_DOMAIN's MX record. It takes mail only for
 * the bounce addresses of our own messages (`bounce+<token>@<domain>`,
 * #deliveries/services/bounce_addresses); any other recipient, a made-up
 * or altered token, or another domain is refused at RCPT TO with 550, so
 * nothing else is ever read. Each accepted mail is recorded
 * (#deliveries/actions/record_bounce) before it is answered: a 250 means
 * stored (or read and found not to be a bounce); a failure to store is a
 * 451, and the sending server tries again later. Plain SMTP on the wire,
 * as between mail servers (no AUTH; STARTTLS is for a later change with a
 * certificate).
 */
export interface BounceReceiver {
  host: string
  port: number
  close(): Promise<void>
}

/** smtp-server's reply `<code> <enhanced code> <message>` (it adds the enhanced code: 550 → 5.1.1, 451 → 4.3.0). */
function reply(code: number, message: string) {
  return Object.assign(new Error(message), { responseCode: code })
}

export async function startBounceReceiver(
  options: { port?: number; host?: string } = {}
): Promise<BounceReceiver> {
  const config = deliveries.bounces
  const host = options.host ?? config.host
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    hideENHANCEDSTATUSCODES: false,
    disableReverseLookup: true,
    size: config.maxMessageBytes,
    rejectOversized: true,
    // Reports come one or a few at a time; a flood of idle connections is refused past this.
    maxClients: 200,
    banner: 'Authentix bounce mailbox',
    closeTimeout: 1000,
    logger: false,
    onRcptTo({ address }, _session, callback) {
      if (messageOfBounceAddress(address)) return callback()
      callback(reply(550, `<${address}>: Recipient address rejected: no such bounce address`))
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        // smtp-server answers 552 itself (rejectOversized); the truncated bytes are not read.
        if (stream.sizeExceeded) return callback()
        const raw = Buffer.concat(chunks)
        const messageIds = session.envelope.rcptTo
          .map((recipient) => messageOfBounceAddress(recipient.address))
          .filter((id): id is string => id !== null)
        record(messageIds, raw).then(
          () => callback(),
          (error: Error) => {
            logger.error({ err: error }, 'a bounce report could not be stored')
            callback(reply(451, 'The report could not be stored; try again later'))
          }
        )
      })
    },
  })
  // A peer that drops its connection is not the receiver's error.
  server.on('error', (error) => logger.warn({ err: error }, 'bounce mailbox connection error'))
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject)
    server.listen(options.port ?? config.port ?? 25, host, () => {
      server.server.off('error', reject)
      resolve()
    })
  })
  const address = server.server.address() as AddressInfo
  logger.info(`bounce mailbox for @${bounceDomain()} listening on ${host}:${address.port}`)
  return {
    host,
    port: address.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

async function record(messageIds: string[], raw: Buffer) {
  for (const messageId of messageIds) {
    const recorded = await RecordBounce.handle({ messageId, raw })
    logger.info({ messageId, outcome: recorded.kind }, 'bounce mailbox: mail recorded')
  }
}
