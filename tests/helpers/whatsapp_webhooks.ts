import { randomUUID } from 'node:crypto'
import { DateTime } from 'luxon'
import type Organization from '#orgs/models/organization'
import CreateDeliveryIntegration from '#deliveries/actions/create_delivery_integration'
import Delivery from '#deliveries/models/delivery'
import DeliveryMessage from '#deliveries/models/delivery_message'
import type { MessageProvider, MessageStatus } from '#deliveries/services/delivery_status'
import GenerationJobRecipient from '#certificates/models/generation_job_recipient'
import { givenJob } from '#tests/helpers/certificates'
import {
  hubSignature256,
  statusNotification,
  statusObject,
  type StatusName,
} from '../../stand_ins/whatsapp_cloud_api.js'

export const WABA_ID = '102290129340398'
export const PHONE_NUMBER_ID = '106540352242922'

/** A WhatsApp integration of `org` with its three secrets (the Graph API is Meta's unless `apiBaseUrl`). */
export async function givenWhatsappIntegration(
  org: Organization,
  options: {
    appSecret?: string
    verifyToken?: string
    accessToken?: string
    apiBaseUrl?: string
    phoneNumberId?: string
    bodyParameters?: string[]
    documentDelivery?: 'link' | 'upload'
  } = {}
) {
  const result = await CreateDeliveryIntegration.handle({
    org,
    actorUserId: null,
    channel: 'whatsapp',
    provider: 'whatsapp_cloud',
    name: 'Acme WhatsApp',
    settings: {
      phone_number_id: options.phoneNumberId ?? PHONE_NUMBER_ID,
      waba_id: WABA_ID,
      display_phone_number: '15550783881',
      ...(options.apiBaseUrl ? { api_base_url: options.apiBaseUrl } : {}),
      api_version: 'v21.0',
      template_name: 'certificate_issued',
      template_language: 'en',
      body_parameters: options.bodyParameters ?? ['recipient_name', 'recipient_page_url'],
      ...(options.documentDelivery ? { document_delivery: options.documentDelivery } : {}),
    },
    secrets: {
      access_token: options.accessToken ?? 'graph-access-token',
      app_secret: options.appSecret ?? 'webhook-app-secret',
      verify_token: options.verifyToken ?? 'webhook-verify-token',
    },
  })
  if (result.kind !== 'created') {
    throw new Error(`integration not created: ${JSON.stringify(result)}`)
  }
  return result.integration
}

/**
 * WhatsApp messages of a delivery of a fresh job of `org` (one per
 * recipient), written straight to the table as the pipeline would queue and
 * send them: `status` and a wamid each, through `integrationId`.
 */
export function givenWhatsappMessages(
  org: Organization,
  integrationId: string,
  options: { count?: number; status?: MessageStatus; withWamid?: boolean } = {}
) {
  return givenDeliveryMessages(org, integrationId, { ...options, channel: 'whatsapp' })
}

/** The same for either channel: emails go to learnerN@example.com, with a provider id unless `withWamid: false`. */
export async function givenDeliveryMessages(
  org: Organization,
  integrationId: string,
  options: {
    count?: number
    status?: MessageStatus
    withWamid?: boolean
    channel: 'email' | 'whatsapp'
    provider?: MessageProvider
  }
) {
  const { job } = await givenJob(org, { count: options.count ?? 1, start: false })
  const delivery = await Delivery.create({
    organizationId: org.id,
    generationJobId: job.id,
    status: 'sending',
    channels: [options.channel],
    audience: 'all',
    certificateIds: null,
    fallbackToEmail: false,
    totalMessages: options.count ?? 1,
  })
  const recipients = await GenerationJobRecipient.query()
    .where('job_id', job.id)
    .orderBy('position')
  const messages: DeliveryMessage[] = []
  for (const [index, recipient] of recipients.entries()) {
    messages.push(
      await DeliveryMessage.create({
        organizationId: org.id,
        deliveryId: delivery.id,
        generationJobId: job.id,
        recipientId: recipient.id,
        channel: options.channel,
        status: options.status ?? 'sending',
        toPhone:
          options.channel === 'whatsapp'
            ? `9198765${String(43210 + index).padStart(5, '0')}`
            : null,
        toEmail: options.channel === 'email' ? `learner${index + 1}@example.com` : null,
        integrationId,
        provider: options.provider ?? 'whatsapp_cloud',
        providerMessageId:
          options.withWamid === false
            ? null
            : options.channel === 'whatsapp'
              ? `wamid.${randomUUID().replaceAll('-', '')}`
              : randomUUID(),
        idempotencyKey: randomUUID(),
        attempts: 1,
        queuedAt: DateTime.now(),
      })
    )
  }
  return { job, delivery, messages }
}

/** A notification as Meta posts it, for these statuses (seconds after a fixed time, in order). */
export function notification(
  statuses: Array<{
    wamid: string
    status: StatusName
    second?: number
    error?: { code: number; title: string; details: string }
    callbackData?: string
  }>,
  options: { extraFields?: boolean; phoneNumberId?: string } = {}
) {
  return statusNotification({
    wabaId: WABA_ID,
    displayPhoneNumber: '15550783881',
    extraFields: options.extraFields,
    statuses: statuses.map((item) => ({
      phoneNumberId: options.phoneNumberId ?? PHONE_NUMBER_ID,
      status: statusObject({
        wamid: item.wamid,
        status: item.status,
        recipientId: '919876543210',
        timestamp: new Date(Date.UTC(2026, 2, 15, 10, 0, item.second ?? 0)),
        error: item.error,
        callbackData: item.callbackData,
        extraFields: options.extraFields,
      }),
    })),
  })
}

export { hubSignature256 }
