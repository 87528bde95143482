import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import { appUrl } from '#config/app'
import { sendMail } from '#core/services/mailer'
import type DeliveryIntegration from '#deliveries/models/delivery_integration'

/** The active owners' and admins' addresses of an org: who is told when sending stops. */
export async function orgAdminEmails(organizationId: string): Promise<string[]> {
  const rows = await db
    .from('organization_members as m')
    .join('organization_roles as r', 'r.id', 'm.role_id')
    .join('users as u', 'u.id', 'm.user_id')
    .where('m.organization_id', organizationId)
    .where('m.status', 'active')
    .whereNull('m.deleted_at')
    .whereIn('r.key', ['owner', 'admin'])
    .select('u.email')
  return [...new Set(rows.map((row) => String(row.email)))]
}

/**
 * Tells the org's owners and admins that an integration was paused and
 * why, once (the worker calls it only when its outcome paused it), after
 * the pause has committed. A mail that cannot be sent is logged: the pause
 * stands and shows on the settings page.
 */
export async function notifyIntegrationPaused(integration: DeliveryIntegration, reason: string) {
  const organization = await db
    .from('organizations')
    .where('id', integration.organizationId)
    .select('name')
    .first()
  for (const to of await orgAdminEmails(integration.organizationId)) {
    try {
      await sendMail({
        to,
        subject: `Sending paused: ${integration.displayName} (${organization?.name ?? 'your organization'})`,
        html: 'pages/deliveries/mail/integration_paused',
        text: 'pages/deliveries/mail/integration_paused_text',
        data: {
          orgName: organization?.name ?? '',
          integrationName: integration.displayName,
          channel: integration.channel === 'email' ? 'email' : 'WhatsApp',
          reason,
          link: `${appUrl}/settings/delivery/${integration.id}/edit`,
        },
      })
    } catch (error) {
      logger.error(
        { err: error, integrationId: integration.id },
        'integration paused mail could not be sent'
      )
    }
  }
}
