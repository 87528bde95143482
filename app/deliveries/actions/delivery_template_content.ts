import type { TemplateLocale } from '#deliveries/services/delivery_template_defaults'
import { sanitizeEmailHtml } from '#deliveries/services/delivery_template_html'
import {
  unknownVariablesMessage,
  variableProblem,
  variablesOf,
} from '#deliveries/services/delivery_template_variables'

/** What a delivery template form holds, per channel. */
export type DeliveryTemplateFields =
  | {
      channel: 'email'
      name: string
      locale: TemplateLocale
      emailSubject: string
      body: string
      emailTextBody: string | null
    }
  | {
      channel: 'whatsapp'
      name: string
      locale: TemplateLocale
      whatsappTemplateName: string
      whatsappLanguage: string
      whatsappParameters: string[]
    }

export type FieldProblem = { field: string; message: string }

/** The columns a template is saved with (body sanitized, variables listed). */
export interface CheckedContent {
  name: string
  locale: string
  emailSubject: string | null
  body: string | null
  emailTextBody: string | null
  whatsappTemplateName: string | null
  whatsappLanguage: string | null
  whatsappParameters: string[]
  variables: string[]
}

/** WhatsApp allows at most this many body parameters in practice; more is a typo. */
const MAX_PARAMETERS = 20

/**
 * The fields as they will be saved, or every problem under its field: the
 * body is sanitized first so what is checked is what is stored; each text
 * may use only the org's known variables.
 */
export function checkedContent(
  fields: DeliveryTemplateFields,
  known: readonly string[]
): { kind: 'checked'; content: CheckedContent } | { kind: 'invalid'; problems: FieldProblem[] } {
  const problems: FieldProblem[] = []
  const check = (field: string, label: string, text: string | null) => {
    const problem = text ? variableProblem(text, known, label) : null
    if (problem) problems.push({ field, message: problem })
  }

  if (fields.channel === 'email') {
    const body = sanitizeEmailHtml(fields.body).trim()
    if (!body) {
      problems.push({
        field: 'body',
        message:
          'Nothing is left of the body once scripts, images and forms are removed: write some text.',
      })
    }
    check('email_subject', 'The subject', fields.emailSubject)
    check('body', 'The body', body)
    check('email_text_body', 'The plain-text part', fields.emailTextBody)
    if (problems.length) return { kind: 'invalid', problems }
    const variables = [
      ...new Set([
        ...variablesOf(fields.emailSubject),
        ...variablesOf(body),
        ...variablesOf(fields.emailTextBody ?? ''),
      ]),
    ]
    return {
      kind: 'checked',
      content: {
        name: fields.name,
        locale: fields.locale,
        emailSubject: fields.emailSubject,
        body,
        emailTextBody: fields.emailTextBody || null,
        whatsappTemplateName: null,
        whatsappLanguage: null,
        whatsappParameters: [],
        variables,
      },
    }
  }

  const unknown = fields.whatsappParameters.filter((name) => !known.includes(name))
  if (unknown.length) {
    problems.push({
      field: 'whatsapp_parameters',
      message: unknownVariablesMessage([...new Set(unknown)], known),
    })
  } else if (fields.whatsappParameters.length > MAX_PARAMETERS) {
    problems.push({
      field: 'whatsapp_parameters',
      message: `At most ${MAX_PARAMETERS} body parameters.`,
    })
  }
  if (problems.length) return { kind: 'invalid', problems }
  return {
    kind: 'checked',
    content: {
      name: fields.name,
      locale: fields.locale,
      emailSubject: null,
      body: null,
      emailTextBody: null,
      whatsappTemplateName: fields.whatsappTemplateName,
      whatsappLanguage: fields.whatsappLanguage,
      whatsappParameters: fields.whatsappParameters,
      variables: [...new Set(fields.whatsappParameters)],
    },
  }
}
