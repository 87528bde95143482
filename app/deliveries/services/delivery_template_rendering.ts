import { formatDate } from '#core/services/formatting'
import { emptyRecord } from '#core/services/own_keys'
import { verificationUrl } from '#certificates/services/verification_links'
import {
  renderVariables,
  type BuiltInVariable,
} from '#deliveries/services/delivery_template_variables'
import { plainTextOf, sanitizeEmailHtml } from '#deliveries/services/delivery_template_html'
import type {
  BuiltInTemplate,
  DeliveryChannel,
} from '#deliveries/services/delivery_template_defaults'

/** What a template says, whether the org's row or a built-in one. */
export interface TemplateContent {
  channel: DeliveryChannel
  emailSubject: string | null
  body: string | null
  emailTextBody: string | null
  whatsappTemplateName: string | null
  whatsappLanguage: string | null
  whatsappParameters: string[]
}

export function contentOfBuiltIn(template: BuiltInTemplate): TemplateContent {
  return template.channel === 'email'
    ? {
        channel: 'email',
        emailSubject: template.emailSubject,
        body: template.body,
        emailTextBody: null,
        whatsappTemplateName: null,
        whatsappLanguage: null,
        whatsappParameters: [],
      }
    : {
        channel: 'whatsapp',
        emailSubject: null,
        body: null,
        emailTextBody: null,
        whatsappTemplateName: template.whatsappTemplateName,
        whatsappLanguage: template.whatsappLanguage,
        whatsappParameters: template.whatsappParameters,
      }
}

/** The facts of one recipient's message: who, and their certificates of the job, oldest number first. */
export interface RecipientFacts {
  orgName: string
  recipientName: string
  recipientData: Readonly<Record<string, string>>
  certificates: {
    id: string
    certificateNumber: string
    issueDate: string
    expiryDate: string | null
  }[]
}

/**
 * The value of every variable for one recipient. Import columns come first
 * so a built-in name always means ours. A message carries all of a
 * recipient's certificates: numbers are listed, dates and links are the
 * first certificate's. `{recipient_page_url}` is the first certificate's
 * verification page until the recipient page exists.
 */
export function recipientVariables(facts: RecipientFacts): Record<string, string> {
  const first = facts.certificates[0]
  const values = Object.assign(emptyRecord<string>(), facts.recipientData)
  const builtIn: Record<BuiltInVariable, string> = {
    recipient_name: facts.recipientName,
    course_name: facts.recipientData.course_name ?? '',
    certificate_number: facts.certificates.map((c) => c.certificateNumber).join(', '),
    certificate_count: String(facts.certificates.length),
    verification_url: first ? verificationUrl(first.id) : '',
    recipient_page_url: first ? verificationUrl(first.id) : '',
    org_name: facts.orgName,
    issue_date: first ? formatDate(first.issueDate) : '',
    expiry_date: first?.expiryDate ? formatDate(first.expiryDate) : '',
  }
  return Object.assign(values, builtIn)
}

export interface RenderedEmail {
  subject: string
  html: string
  text: string
}

/**
 * Subject and text get raw values; the HTML body gets escaped ones and is
 * sanitized again once filled. The text part is the org's own when written,
 * else generated from the filled HTML.
 */
export function renderEmail(
  content: TemplateContent,
  values: Record<string, string>
): RenderedEmail {
  const html = sanitizeEmailHtml(renderVariables(content.body ?? '', values, { html: true }), {
    filled: true,
  })
  const text = content.emailTextBody
    ? renderVariables(content.emailTextBody, values, { html: false })
    : plainTextOf(html)
  return {
    subject: renderVariables(content.emailSubject ?? '', values, { html: false }).replace(
      /[\r\n]+/g,
      ' '
    ),
    html,
    text,
  }
}

export interface RenderedWhatsapp {
  templateName: string
  language: string
  parameters: { position: number; variable: string; value: string }[]
}

export function renderWhatsapp(
  content: TemplateContent,
  values: Record<string, string>
): RenderedWhatsapp {
  return {
    templateName: content.whatsappTemplateName ?? '',
    language: content.whatsappLanguage ?? '',
    parameters: content.whatsappParameters.map((variable, index) => ({
      position: index + 1,
      variable,
      value: Object.hasOwn(values, variable) ? values[variable] : '',
    })),
  }
}
