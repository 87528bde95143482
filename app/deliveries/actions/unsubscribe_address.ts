import db from '@adonisjs/lucid/services/db'
import { v7 as uuidv7 } from 'uuid'
import { dbTimestamp } from '#core/services/database_time'
import type { UnsubscribeTarget } from '#deliveries/services/delivery_links'

export type UnsubscribeResult = { kind: 'unsubscribed' } | { kind: 'not_found' }

/**
 * Puts an address on its org's suppression list for one channel, as its
 * owner asked through a signed unsubscribe link (one click from the mail
 * client, or the confirm page's button). Again is harmless: the address
 * stays on the list once, with the reason it first got there.
 */
export default class UnsubscribeAddress {
  static async handle(
    input: UnsubscribeTarget & { oneClick: boolean }
  ): Promise<UnsubscribeResult> {
    const org = await db
      .from('organizations')
      .where('id', input.organizationId)
      .select('id')
      .first()
    if (!org) return { kind: 'not_found' }
    await db.rawQuery(
      'INSERT INTO delivery_suppressions (id, organization_id, channel, address, reason, detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (organization_id, channel, address) DO NOTHING',
      [
        uuidv7(),
        input.organizationId,
        input.channel,
        input.address,
        'unsubscribe',
        input.oneClick
          ? 'One-click unsubscribe from the email'
          : 'Unsubscribed on the confirmation page',
        dbTimestamp(),
      ]
    )
    return { kind: 'unsubscribed' }
  }
}
