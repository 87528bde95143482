import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import { v7 as uuidv7 } from 'uuid'
import { dbTimestamp } from '#core/services/database_time'
import type DeliveryIntegration from '#deliveries/models/delivery_integration'
import type { UploadedMedia } from '#deliveries/services/message_senders'

/**
 * The media ids WhatsApp gave certificate PDFs that an integration sending
 * documents "by upload" uploaded (`delivery_whatsapp_media`): read once per
 * send job, written with the attempt's outcome, so a retry or a resend of
 * the same PDF through the same number sends the id again instead of
 * uploading twice.
 */

/** Meta keeps an uploaded media id 30 days; we send one for 29 so it never expires on its way. */
export const MEDIA_REUSE_DAYS = 29

/** Ids in one `IN (…)` list: SQLite's bound-parameter limit stays far away. */
const IN_LIST_MAX = 500

/** File id → media id, for the files this integration uploaded through its number in the last 29 days. */
export async function reusableMediaIds(
  integration: DeliveryIntegration | null,
  fileIds: string[]
): Promise<Map<string, string>> {
  const found = new Map<string, string>()
  if (
    !integration ||
    integration.provider !== 'whatsapp_cloud' ||
    integration.documentDelivery !== 'upload' ||
    !integration.whatsappPhoneNumberId
  )
    return found
  const unique = [...new Set(fileIds)]
  const since = dbTimestamp(undefined, DateTime.utc().minus({ days: MEDIA_REUSE_DAYS }))
  for (let at = 0; at < unique.length; at += IN_LIST_MAX) {
    const rows: { file_id: string; media_id: string }[] = await db
      .from('delivery_whatsapp_media')
      .where('organization_id', integration.organizationId)
      .where('integration_id', integration.id)
      .where('phone_number_id', integration.whatsappPhoneNumberId)
      .whereIn('file_id', unique.slice(at, at + IN_LIST_MAX))
      .where('uploaded_at', '>', since)
      .select('file_id', 'media_id')
    for (const row of rows) found.set(row.file_id, row.media_id)
  }
  return found
}

/** Keeps the id of an upload (replacing an older one of the same file), in the outcome's transaction. */
export async function rememberUploadedMedia(
  trx: TransactionClientContract,
  message: { organizationId: string; integrationId: string | null },
  uploaded: UploadedMedia
) {
  if (!message.integrationId) return
  await trx
    .knexQuery()
    .table('delivery_whatsapp_media')
    .insert({
      id: uuidv7(),
      organization_id: message.organizationId,
      integration_id: message.integrationId,
      phone_number_id: uploaded.phoneNumberId,
      file_id: uploaded.fileId,
      media_id: uploaded.mediaId.slice(0, 64),
      uploaded_at: dbTimestamp(trx, DateTime.fromMillis(uploaded.uploadedAtMs)),
    })
    .onConflict(['integration_id', 'phone_number_id', 'file_id'])
    .merge(['media_id', 'uploaded_at'])
}

/**
 * Forgets the media ids a message's PDFs were sent with: WhatsApp failed it
 * with a media error (131052/131053), so the id is no good and the next
 * send uploads again.
 */
export async function forgetMediaOfMessage(
  trx: TransactionClientContract,
  message: { id: string; integrationId: string | null }
) {
  if (!message.integrationId) return
  await trx
    .from('delivery_whatsapp_media')
    .where('integration_id', message.integrationId)
    .whereIn(
      'file_id',
      trx.from('delivery_message_items').where('message_id', message.id).select('file_id')
    )
    .delete()
}
