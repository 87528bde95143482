import { createHash } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import deliveries from '#config/deliveries'
import { normalizedAddress } from '#deliveries/services/delivery_status'
import { parseBounce, type BounceReport } from '#deliveries/services/dsn_parser'
import {
  markEmailEventApplied,
  storeEmailEventOnce,
  suppressEmailAddress,
} from '#deliveries/services/email_events'
import { moveMessageStatus } from '#deliveries/services/message_status_updates'

export type RecordedBounce =
  /** Stored; `failed` says whether it failed the message, `suppressed` whether the address was added. */
  | { kind: 'stored'; eventType: 'bounced' | 'deferred'; failed: boolean; suppressed: boolean }
  /** The same report (message, kind and status) was stored before: nothing changed. */
  | { kind: 'duplicate' }
  /** An auto-reply, a person's answer, a success report: not stored. */
  | { kind: 'not_a_bounce' }
  /** The address was valid but its message is gone (its org deleted). */
  | { kind: 'unknown_message' }

/**
 * A mail a server sent to the bounce address of one of our messages (the
 * platform's bounce mailbox, #deliveries/services/bounce_receiver): read as
 * a delivery status notification; stored raw once per message, kind and
 * status; a permanent failure (5.x.x) fails the message when it had not
 * been delivered and puts its address on the org's suppression list, as an
 * HTTP provider's hard bounce does (#deliveries/actions/record_email_provider_events);
 * a temporary one (4.x.x) is only stored. The address suppressed is always
 * the message's own, never one the report names: the bounce address is
 * the only thing vouching for the report, and it vouches for that message.
 */
export default class RecordBounce {
  static async handle(input: { messageId: string; raw: Buffer }): Promise<RecordedBounce> {
    const report = await parseBounce(input.raw)
    if (report.kind === 'not_a_bounce') return { kind: 'not_a_bounce' }
    const eventType = report.kind === 'failed' ? 'bounced' : 'deferred'
    return db.transaction(async (trx) => {
      const message = await trx
        .from('delivery_messages')
        .select(
          'id',
          'organization_id',
          'integration_id',
          'provider',
          'provider_message_id',
          'to_email'
        )
        .where('id', input.messageId)
        .where('channel', 'email')
        .first()
      if (!message) return { kind: 'unknown_message' } as const
      const stored = await storeEmailEventOnce(trx, {
        organizationId: message.organization_id,
        integrationId: message.integration_id,
        provider: message.provider,
        providerMessageId: message.provider_message_id,
        messageId: message.id,
        eventType,
        dedupeKey: `bounce:${createHash('sha256')
          .update(`${message.id}\n${report.kind}\n${report.status ?? ''}`)
          .digest('hex')}`,
        occurredAt: null,
        payload: payloadOf(report, input.raw),
      })
      if (stored.duplicate) return { kind: 'duplicate' } as const
      let failed = false
      let suppressed = false
      const address = message.to_email ? normalizedAddress('email', message.to_email) : null
      if (report.kind === 'failed') {
        failed = await moveMessageStatus(trx, message.id, {
          status: 'failed',
          at: DateTime.utc(),
          errorCode: `bounce_${report.status ?? '5.0.0'}`,
          errorMessage: failureReason(report, address),
        })
        if (address) {
          suppressed = await suppressEmailAddress(trx, message.organization_id, {
            address,
            reason: 'hard_bounce',
            detail: `Bounce report: ${report.status ?? '5.0.0'}${report.diagnosticCode ? ` — ${report.diagnosticCode}` : ''}`,
            messageId: message.id,
          })
        }
      }
      await markEmailEventApplied(trx, stored.id, message.id)
      return { kind: 'stored', eventType, failed, suppressed } as const
    })
  }
}

/** What the stored event keeps: what was read from the report, and the report itself (its start, when large). */
function payloadOf(report: BounceReport, raw: Buffer) {
  const kept = raw.subarray(0, deliveries.bounces.storedBytes)
  return {
    source: 'bounce_mailbox',
    kind: report.kind,
    status: report.status,
    action: report.action,
    diagnostic_code: report.diagnosticCode,
    final_recipient: report.finalRecipient,
    report_message_id: report.reportMessageId,
    original_message_id: report.originalMessageId,
    subject: report.subject,
    standard: report.standard,
    raw: kept.toString('utf8'),
    raw_bytes: raw.length,
    raw_truncated: kept.length < raw.length,
  }
}

/** The enhanced status codes (RFC 3463) a bounce mostly carries, in words. */
const STATUS_WORDS: Record<string, string> = {
  '5.1.1': 'the mailbox does not exist',
  '5.1.2': 'the domain does not exist or takes no mail',
  '5.1.3': 'the address is not valid',
  '5.1.6': 'the mailbox has moved',
  '5.1.10': 'the domain takes no mail',
  '5.2.1': 'the mailbox is disabled',
  '5.2.2': 'the mailbox is full',
  '5.3.4': 'the message is too large for that server',
  '5.4.1': 'the server refused it',
  '5.4.4': 'the domain cannot be reached',
  '5.7.1': 'the server refused it by its policy (spam filter or block list)',
}

function failureReason(report: BounceReport, address: string | null) {
  const status = report.status ?? '5.0.0'
  const why = STATUS_WORDS[status] ?? 'the recipient’s mail server gave up on it'
  const said = report.diagnosticCode
    ? ` The server said: “${report.diagnosticCode.slice(0, 300)}”`
    : ''
  return `The mail to ${address ?? 'the recipient'} bounced after it was accepted: ${why} (status ${status}). It will not be mailed again.${said}`
}
