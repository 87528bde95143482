import db from '@adonisjs/lucid/services/db'
import { defineJob } from '#core/queue/registry'
import { formatMoney, formatNumber } from '#core/services/formatting'
import Organization from '#orgs/models/organization'
import {
  type BillingMailContent,
  billingContactsOf,
  mailBillingContacts,
} from '#billing/services/billing_mail'

/** What one usage alert says (the billing notices' mail template). */
function alertContent(
  alert: { kind: string; percent: number; value: number },
  org: Organization
): Omit<BillingMailContent, 'linkText'> {
  if (alert.kind === 'spend_cap') {
    const cap = org.monthlySpendCapPaise ?? 0
    return {
      subject: `${org.name} has reached ${alert.percent}% of its monthly spend cap`,
      heading: `${alert.percent}% of this month’s spend cap`,
      paragraphs: [
        `This month’s bill has come to ${formatMoney(alert.value)} (with GST) of ${org.name}’s ${formatMoney(cap)} cap.`,
        org.spendCapBlocks
          ? 'Once a job would take it above the cap, new certificates are refused until next month or until the cap is raised. Certificates already issued are never affected.'
          : 'The cap only warns: issuing goes on.',
      ],
      facts: [
        ['Spent this month', formatMoney(alert.value)] as const,
        ['Monthly cap', formatMoney(cap)] as const,
      ],
    }
  }
  return {
    subject: `${org.name} has used ${alert.percent}% of its trial’s free certificates`,
    heading: `${alert.percent}% of the trial’s free certificates used`,
    paragraphs: [
      `${org.name} has issued ${formatNumber(alert.value)} of the ${formatNumber(org.trialFreeCertificates)} certificates its trial covers. Beyond them, or once the trial ends, new certificates can be issued after a prepaid balance is added or a payment is made under Billing.`,
    ],
    facts: [
      ['Used', formatNumber(alert.value)] as const,
      ['Free in the trial', formatNumber(org.trialFreeCertificates)] as const,
    ],
  }
}

/** Mails usage alerts to their org's billing contacts, then marks them sent. */
export const sendUsageAlerts = defineJob<{ alertIds: string[] }>('billing.send_usage_alerts', {
  async perform(job) {
    const alerts = await db
      .from('billing_usage_alerts')
      .whereIn('id', job.payload.alertIds)
      .whereNull('sent_to')
    if (alerts.length === 0) return
    const orgs = await Organization.query().whereIn(
      'id',
      alerts.map((alert) => alert.organization_id)
    )
    const byId = new Map(orgs.map((org) => [org.id, org]))
    const contacts = await billingContactsOf(orgs)
    const sentTo = new Map<string, string[]>()
    for (const alert of alerts) {
      const org = byId.get(alert.organization_id)!
      const recipients = contacts.get(org.id) ?? []
      sentTo.set(alert.id, recipients)
      const content = alertContent(
        { kind: alert.kind, percent: Number(alert.percent), value: Number(alert.value) },
        org
      )
      await mailBillingContacts(org, recipients, {
        ...content,
        linkText: 'Open your billing page',
      })
    }
    await db.transaction(async (trx) => {
      await job.fence(trx)
      for (const alert of alerts) {
        await trx
          .from('billing_usage_alerts')
          .where('id', alert.id)
          .update({ sent_to: JSON.stringify(sentTo.get(alert.id) ?? []) })
      }
      await job.complete(trx)
    })
  },
})
