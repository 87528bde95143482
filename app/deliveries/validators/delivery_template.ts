import vine, { SimpleMessagesProvider } from '@vinejs/vine'
import {
  DELIVERY_CHANNELS,
  TEMPLATE_LOCALES,
  type DeliveryChannel,
} from '#deliveries/services/delivery_template_defaults'
import type { DeliveryTemplateFields } from '#deliveries/actions/delivery_template_content'

const LOCALES = Object.keys(TEMPLATE_LOCALES) as (keyof typeof TEMPLATE_LOCALES)[]
const BODY_LIMIT = 100_000

/** Which channel a form is for (a template's channel never changes after it is created). */
export const deliveryChannelValidator = vine.compile(
  vine.object({ channel: vine.enum(DELIVERY_CHANNELS) })
)

/** The new-template page: without a channel it starts an email. */
export const newTemplatePageValidator = vine.compile(
  vine.object({ channel: vine.enum(DELIVERY_CHANNELS).optional() })
)

const common = {
  name: vine.string().trim().minLength(2).maxLength(120),
  locale: vine.enum(LOCALES),
}

export const emailTemplateValidator = vine.compile(
  vine.object({
    ...common,
    email_subject: vine.string().trim().minLength(1).maxLength(300),
    body: vine.string().trim().minLength(1).maxLength(BODY_LIMIT),
    email_text_body: vine.string().trim().maxLength(BODY_LIMIT).optional(),
  })
)

export const whatsappTemplateValidator = vine.compile(
  vine.object({
    ...common,
    // Meta's rule for template names: lowercase letters, digits, underscores.
    whatsapp_template_name: vine
      .string()
      .trim()
      .maxLength(512)
      .regex(/^[a-z0-9_]+$/),
    whatsapp_language: vine
      .string()
      .trim()
      .regex(/^[a-z]{2,3}(_[A-Z]{2})?$/),
    // "recipient_name, course_name" or "{recipient_name}, {course_name}": one variable per {{n}}.
    whatsapp_parameters: vine
      .string()
      .trim()
      .maxLength(2000)
      .optional()
      .transform((value) =>
        value
          .split(',')
          .map((name) =>
            name
              .trim()
              .replace(/^\{(.*)\}$/, '$1')
              .trim()
          )
          .filter(Boolean)
      ),
  })
)

const messages = {
  'channel.required': 'Choose the channel: email or WhatsApp.',
  'channel.enum': 'Choose the channel: email or WhatsApp.',
  'name.required': 'Give the template a name.',
  'name.minLength': 'Template names have at least 2 characters.',
  'name.maxLength': 'Template names have at most 120 characters.',
  'locale.required': 'Choose the language the message is written in.',
  'locale.enum': `Choose the language from the list (${LOCALES.join(', ')}).`,
  'email_subject.required': 'Write a subject.',
  'email_subject.minLength': 'Write a subject.',
  'email_subject.maxLength': 'Keep the subject under 300 characters.',
  'body.required': 'Write the message body.',
  'body.minLength': 'Write the message body.',
  'body.maxLength': `Keep the body under ${BODY_LIMIT.toLocaleString('en-IN')} characters.`,
  'email_text_body.maxLength': `Keep the plain-text part under ${BODY_LIMIT.toLocaleString('en-IN')} characters.`,
  'whatsapp_template_name.required': 'Give the name of the template Meta approved.',
  'whatsapp_template_name.maxLength': 'WhatsApp template names have at most 512 characters.',
  'whatsapp_template_name.regex':
    'WhatsApp template names have only lowercase letters, digits and underscores, exactly as approved by Meta.',
  'whatsapp_language.required': 'Give the language code of the approved template (en, hi, en_US).',
  'whatsapp_language.regex':
    'Give the language code of the approved template as Meta writes it: en, hi, en_US.',
  'whatsapp_parameters.maxLength': 'Too many body parameters.',
}

deliveryChannelValidator.messagesProvider = new SimpleMessagesProvider(messages)
newTemplatePageValidator.messagesProvider = new SimpleMessagesProvider(messages)
emailTemplateValidator.messagesProvider = new SimpleMessagesProvider(messages)
whatsappTemplateValidator.messagesProvider = new SimpleMessagesProvider(messages)

/** A template form's fields for its channel, as the actions take them (throws Vine's validation error). */
export async function validateTemplateFields(
  channel: DeliveryChannel,
  data: unknown
): Promise<DeliveryTemplateFields> {
  if (channel === 'email') {
    const input = await emailTemplateValidator.validate(data)
    return {
      channel,
      name: input.name,
      locale: input.locale,
      emailSubject: input.email_subject,
      body: input.body,
      emailTextBody: input.email_text_body || null,
    }
  }
  const input = await whatsappTemplateValidator.validate(data)
  return {
    channel,
    name: input.name,
    locale: input.locale,
    whatsappTemplateName: input.whatsapp_template_name,
    whatsappLanguage: input.whatsapp_language,
    whatsappParameters: input.whatsapp_parameters ?? [],
  }
}
