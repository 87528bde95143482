/**
 * The messages a new org sends until it writes its own: one email and one
 * WhatsApp mapping per language. Code, not rows: they are shown on the
 * templates page until the org customises one, which saves the org's own row
 * (and improving a default here improves it for every org that kept it).
 */

export const DELIVERY_CHANNELS = ['email', 'whatsapp'] as const
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number]

export const TEMPLATE_LOCALES = { en: 'English', hi: 'Hindi (हिन्दी)' } as const
export type TemplateLocale = keyof typeof TEMPLATE_LOCALES

export interface BuiltInEmailTemplate {
  key: string
  channel: 'email'
  locale: TemplateLocale
  name: string
  emailSubject: string
  body: string
}

export interface BuiltInWhatsappTemplate {
  key: string
  channel: 'whatsapp'
  locale: TemplateLocale
  name: string
  whatsappTemplateName: string
  whatsappLanguage: string
  whatsappParameters: string[]
}

export type BuiltInTemplate = BuiltInEmailTemplate | BuiltInWhatsappTemplate

const EMAIL_EN: BuiltInEmailTemplate = {
  key: 'email.en',
  channel: 'email',
  locale: 'en',
  name: 'Certificate issued (English)',
  emailSubject: 'Your certificate from {org_name}: {course_name}',
  body: [
    '<p>Dear {recipient_name},</p>',
    '<p>Congratulations! {org_name} has issued your certificate for <strong>{course_name}</strong> (number {certificate_number}, issued {issue_date}).</p>',
    '<p>Anyone can check that it is genuine at this address: <a href="{verification_url}">{verification_url}</a></p>',
    '<p>You can also see and download all your certificates here: <a href="{recipient_page_url}">{recipient_page_url}</a></p>',
    '<p>With best wishes,<br />{org_name}</p>',
  ].join('\n'),
}

const EMAIL_HI: BuiltInEmailTemplate = {
  key: 'email.hi',
  channel: 'email',
  locale: 'hi',
  name: 'प्रमाणपत्र जारी (Hindi)',
  emailSubject: '{org_name} की ओर से आपका प्रमाणपत्र: {course_name}',
  body: [
    '<p>प्रिय {recipient_name},</p>',
    '<p>बधाई हो! {org_name} ने <strong>{course_name}</strong> के लिए आपका प्रमाणपत्र जारी किया है (क्रमांक {certificate_number}, जारी करने की तिथि {issue_date})।</p>',
    '<p>कोई भी इस पते पर इसकी प्रामाणिकता जाँच सकता है: <a href="{verification_url}">{verification_url}</a></p>',
    '<p>अपने सभी प्रमाणपत्र यहाँ देखें और डाउनलोड करें: <a href="{recipient_page_url}">{recipient_page_url}</a></p>',
    '<p>शुभकामनाओं सहित,<br />{org_name}</p>',
  ].join('\n'),
}

/**
 * The org submits a template of this shape to Meta for approval under the
 * name given; its body's {{1}}, {{2}}, {{3}} are filled by these variables.
 */
const WHATSAPP_EN: BuiltInWhatsappTemplate = {
  key: 'whatsapp.en',
  channel: 'whatsapp',
  locale: 'en',
  name: 'Certificate issued (English)',
  whatsappTemplateName: 'certificate_issued',
  whatsappLanguage: 'en',
  whatsappParameters: ['recipient_name', 'course_name', 'recipient_page_url'],
}

const WHATSAPP_HI: BuiltInWhatsappTemplate = {
  key: 'whatsapp.hi',
  channel: 'whatsapp',
  locale: 'hi',
  name: 'प्रमाणपत्र जारी (Hindi)',
  whatsappTemplateName: 'certificate_issued',
  whatsappLanguage: 'hi',
  whatsappParameters: ['recipient_name', 'course_name', 'recipient_page_url'],
}

export const BUILT_IN_TEMPLATES: readonly BuiltInTemplate[] = [
  EMAIL_EN,
  EMAIL_HI,
  WHATSAPP_EN,
  WHATSAPP_HI,
]

/** What a channel uses while the org has no default of its own: the English one. */
export function builtInDefault(channel: DeliveryChannel): BuiltInTemplate {
  return BUILT_IN_TEMPLATES.find((t) => t.channel === channel && t.locale === 'en')!
}

export function builtInTemplate(key: unknown): BuiltInTemplate | undefined {
  return BUILT_IN_TEMPLATES.find((t) => t.key === key)
}
