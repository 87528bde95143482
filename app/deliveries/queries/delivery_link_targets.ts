import db from '@adonisjs/lucid/services/db'
import Certificate from '#certificates/models/certificate'
import DeliveryMessage from '#deliveries/models/delivery_message'

/**
 * What the public links of a delivered message open (#deliveries/services/delivery_links):
 * the ids come from a verified signed token, so these reads need no org of
 * the visitor's; each stays within the org of the record the token names.
 */
export const SENDABLE_STATUSES = ['issued', 'expired']

/**
 * What a link to one certificate's PDF needs, and only that: Meta's fetcher
 * downloads every WhatsApp message's document, so this runs once per message
 * sent (a full row was ~300 µs of a web process's event loop in the deliver bench).
 */
export function linkedCertificate(certificateId: string) {
  return Certificate.query()
    .select(
      'id',
      'organization_id',
      'status',
      'certificate_file_id',
      'sha256',
      'certificate_number',
      'recipient_name'
    )
    .where('id', certificateId)
    .first()
}

/** The message's recipient's certificates of its job (not pending), oldest number first, and the org's name. */
export async function recipientCertificates(messageId: string) {
  const message = await DeliveryMessage.find(messageId)
  if (!message) return null
  const certificates = await Certificate.query()
    .where('organization_id', message.organizationId)
    .where('generation_job_id', message.generationJobId)
    .where('generation_job_recipient_id', message.recipientId)
    .whereNot('status', 'pending')
    .orderBy('sequence_number', 'asc')
  if (certificates.length === 0) return null
  return { orgName: await orgName(message.organizationId), certificates }
}

export async function orgName(organizationId: string): Promise<string | null> {
  const org = await db.from('organizations').where('id', organizationId).select('name').first()
  return org?.name ?? null
}
