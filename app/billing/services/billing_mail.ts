import { appUrl } from '#config/app'
import { type OutgoingMail, sendMail } from '#core/services/mailer'
import type Organization from '#orgs/models/organization'
import { emailsOfMembersWithByOrg } from '#orgs/queries/members_with_permission'

/**
 * Each org's billing contacts: its members whose role may manage billing,
 * and its finance mailbox (`billing_email`), each address once.
 */
export async function billingContactsOf(orgs: Organization[]) {
  const members = await emailsOfMembersWithByOrg(
    orgs.map((org) => org.id),
    'billing.manage'
  )
  return new Map(
    orgs.map((org) => [
      org.id,
      [
        ...new Set([
          ...(members.get(org.id) ?? []),
          ...(org.billingEmail ? [org.billingEmail] : []),
        ]),
      ],
    ])
  )
}

/** What a billing mail says (`pages/billing/mail/notice`): heading, paragraphs, facts, a link to the billing page. */
export interface BillingMailContent {
  subject: string
  heading: string
  paragraphs: string[]
  facts: (readonly [string, string])[]
  linkText: string
}

/** One billing mail to each recipient, with the same attachments. */
export async function mailBillingContacts(
  org: Organization,
  recipients: string[],
  content: BillingMailContent,
  attachments: OutgoingMail['attachments'] = []
) {
  for (const to of recipients) {
    await sendMail({
      to,
      subject: content.subject,
      html: 'pages/billing/mail/notice',
      text: 'pages/billing/mail/notice_text',
      data: { ...content, orgName: org.name, link: `${appUrl}/billing` },
      attachments,
    })
  }
}
