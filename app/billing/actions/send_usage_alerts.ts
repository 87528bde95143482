import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { v7 as uuidv7 } from 'uuid'
import { Queue } from '#core/queue/queue'
import { rowsOf } from '#core/services/bulk_insert'
import { dbTimestamp } from '#core/services/database_time'
import Organization from '#orgs/models/organization'
import { issuingAllowance } from '#certificates/queries/issuing_allowance'
import { alertPercents } from '#orgs/validators/billing_details'
import { billingMonthOf } from '#billing/services/billing_periods'
import { monthSpendPaise } from '#billing/services/spend_cap'
import { sendUsageAlerts } from '#billing/services/usage_alert_mail'

export type UsageAlertKind = 'spend_cap' | 'trial_certificates'

/**
 * `node ace billing:usage-alerts` (hourly): for every org with a monthly
 * spend cap, each of its alert percentages this month's bill has reached;
 * for every org in its trial, each percentage of the free certificates it
 * has used. Each alert is a `billing_usage_alerts` row, unique per org,
 * month, kind and percentage, written with the job that mails it, so none
 * goes twice. Returns how many were recorded.
 */
export default class SendUsageAlerts {
  static async handle(now: DateTime = DateTime.utc()) {
    const month = billingMonthOf(now)
    const orgs = await Organization.query()
      .whereNull('deleted_at')
      .where((query) =>
        query
          .whereNotNull('monthly_spend_cap_paise')
          .orWhere((trial) =>
            trial
              .where('billing_status', 'trialing')
              .where('trial_ends_at', '>', dbTimestamp(db.connection(), now))
          )
      )
    let recorded = 0
    for (const org of orgs) {
      const percents = alertPercents(org.usageAlertPercents) ?? []
      if (percents.length === 0) continue
      const reached: { kind: UsageAlertKind; percent: number; value: number }[] = []
      if (org.monthlySpendCapPaise) {
        const spent = await monthSpendPaise(org, db.connection(), now)
        for (const percent of percents) {
          if (spent * 100 >= org.monthlySpendCapPaise * percent) {
            reached.push({ kind: 'spend_cap', percent, value: spent })
          }
        }
      }
      if (org.billingStatus === 'trialing' && org.trialFreeCertificates > 0) {
        const allowance = await issuingAllowance(org, 0, { now })
        const used = org.trialFreeCertificates - allowance.trialCertificatesLeft
        for (const percent of percents) {
          if (percent <= 100 && used * 100 >= org.trialFreeCertificates * percent) {
            reached.push({ kind: 'trial_certificates', percent, value: used })
          }
        }
      }
      if (reached.length === 0) continue
      await db.transaction(async (trx) => {
        const stamp = dbTimestamp(trx, now)
        const ids: string[] = []
        for (const alert of reached) {
          const inserted = rowsOf<{ id: string }>(
            await trx.rawQuery(
              `INSERT INTO billing_usage_alerts (id, organization_id, period_start, kind, percent, value, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (organization_id, period_start, kind, percent) DO NOTHING RETURNING id`,
              [uuidv7(), org.id, month.start, alert.kind, alert.percent, alert.value, stamp]
            )
          )
          ids.push(...inserted.map((row) => row.id))
        }
        if (ids.length === 0) return
        recorded += ids.length
        await Queue.enqueue(trx, sendUsageAlerts, { alertIds: ids }, { organizationId: org.id })
      })
    }
    if (recorded > 0) Queue.notify()
    return recorded
  }
}
