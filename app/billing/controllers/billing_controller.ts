import type { HttpContext } from '@adonisjs/core/http'
import { GST_STATES, gstStateCodeOf } from '#core/services/gst_states'
import { unhandled } from '#core/services/exhaustive'
import { paginationOf } from '#core/http/pagination'
import UpdateBillingDetails from '#orgs/actions/update_billing_details'
import UpdateSpendControls from '#orgs/actions/update_spend_controls'
import {
  alertPercents,
  billingDetailsValidator,
  spendControlsValidator,
} from '#orgs/validators/billing_details'
import razorpay from '#config/razorpay'
import billing from '#config/billing'
import { billingOverview } from '#billing/queries/billing_overview'
import { dailyUsage } from '#billing/queries/daily_usage'
import OrgInvoices from '#billing/queries/org_invoices'
import OrgLedger from '#billing/queries/org_ledger'
import { billingMonthOf } from '#billing/services/billing_periods'
import { DateTime } from 'luxon'

/**
 * `GET /billing`: the org's account for its members with `billing.view`:
 * status and trial, the plan, this month so far with a chart per day and
 * the estimated bill, invoices and credit notes, the balance, and (with
 * `billing.manage`) who invoices are made out to.
 */
export default class BillingController {
  async show({ org, actor, bouncer, request, view }: HttpContext) {
    await bouncer.authorize('allows', 'billing.view')
    const now = DateTime.utc()
    const { page } = await paginationOf(request.qs(), { perPage: 12 })
    const [overview, usage, invoices, ledger] = await Promise.all([
      billingOverview(org, now),
      dailyUsage(org, billingMonthOf(now)),
      OrgInvoices.list(org, { page, perPage: 12 }),
      // The account statement's newest entries; /billing/ledger.csv has them all.
      OrgLedger.page(org, { page: 1, perPage: 20 }),
    ])
    invoices.baseUrl('/billing')
    return view.render('pages/billing/show', {
      ...topUpRange(),
      overview,
      usage,
      invoices,
      ledger,
      states: GST_STATES,
      stateCode: gstStateCodeOf(org.state),
      canManage: actor.can('billing.manage'),
      paymentsConfigured: razorpay.configured,
    })
  }

  async update({ org, actor, bouncer, request, response, session }: HttpContext) {
    await bouncer.authorize('allows', 'billing.manage')
    const data = await request.validateUsing(billingDetailsValidator)
    const result = await UpdateBillingDetails.handle({
      org,
      actorUserId: actor.user.id,
      origin: { ip: request.ip(), userAgent: request.header('user-agent') },
      details: {
        businessName: data.business_name,
        addressLine1: data.address_line1,
        addressLine2: data.address_line2 ?? null,
        city: data.city,
        // The GSTIN's state when registered (the validator checked they agree), else the one chosen.
        state: GST_STATES[data.gstin?.slice(0, 2) ?? data.state_code ?? ''] ?? null,
        postalCode: data.postal_code ?? null,
        gstin: data.gstin ?? null,
        billingEmail: data.billing_email ?? null,
      },
    })
    switch (result.kind) {
      case 'updated':
        session.flash('success', 'Billing details saved. Invoices issued from now on carry them.')
        break
      case 'unchanged':
        session.flash('success', 'Nothing to change: the billing details were already up to date.')
        break
      default:
        return unhandled(result)
    }
    return response.redirect().toRoute('billing.show')
  }

  async updateSpendControls({ org, actor, bouncer, request, response, session }: HttpContext) {
    await bouncer.authorize('allows', 'billing.manage')
    const data = await request.validateUsing(spendControlsValidator)
    const result = await UpdateSpendControls.handle({
      org,
      actorUserId: actor.user.id,
      origin: { ip: request.ip(), userAgent: request.header('user-agent') },
      controls: {
        monthlySpendCapPaise: data.monthly_spend_cap_rupees
          ? data.monthly_spend_cap_rupees * 100
          : null,
        spendCapBlocks: Boolean(data.monthly_spend_cap_rupees && data.spend_cap_blocks),
        usageAlertPercents: (alertPercents(data.usage_alert_percents ?? '') ?? []).join(','),
      },
    })
    session.flash(
      'success',
      result.kind === 'updated'
        ? 'Spend cap and alerts saved.'
        : 'Nothing to change: the spend cap and alerts were already so.'
    )
    return response.redirect().toRoute('billing.show')
  }
}

/** The top-up form's range and the amount it suggests (₹1,000), in whole rupees. */
function topUpRange() {
  const min = billing.topUpMinPaise / 100
  return {
    topUpMin: min,
    topUpMax: billing.topUpMaxPaise / 100,
    topUpSuggestion: Math.max(min, 1000),
  }
}
