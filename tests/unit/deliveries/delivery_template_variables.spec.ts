import { test } from '@japa/runner'
import {
  BUILT_IN_VARIABLES,
  parseVariables,
  renderVariables,
  variableProblem,
  variablesOf,
} from '#deliveries/services/delivery_template_variables'
import {
  recipientVariables,
  renderEmail,
  renderWhatsapp,
  type TemplateContent,
} from '#deliveries/services/delivery_template_rendering'
import { verificationUrl } from '#certificates/services/verification_links'

const KNOWN = [...BUILT_IN_VARIABLES, 'batch_code']

function emailContent(overrides: Partial<TemplateContent>): TemplateContent {
  return {
    channel: 'email',
    emailSubject: '',
    body: '',
    emailTextBody: null,
    whatsappTemplateName: null,
    whatsappLanguage: null,
    whatsappParameters: [],
    ...overrides,
  }
}

test.group('Delivery template variables', () => {
  test('variables are found in order, each listed once', ({ assert }) => {
    assert.deepEqual(variablesOf('Dear {recipient_name}, {course_name} for { recipient_name }'), [
      'recipient_name',
      'course_name',
    ])
  })

  test('doubled braces are literal braces, not variables', ({ assert }) => {
    assert.deepEqual(variablesOf('Use {{recipient_name}} as is'), [])
    assert.equal(
      renderVariables(
        '{{literal}} {recipient_name} }}',
        { recipient_name: 'Asha' },
        { html: false }
      ),
      '{literal} Asha }'
    )
  })

  test('a lone brace is refused with where it is and how to write a literal one', ({ assert }) => {
    assert.deepEqual(parseVariables('Price {5'), { kind: 'stray_brace', brace: '{', position: 6 })
    assert.deepEqual(parseVariables('done }'), { kind: 'stray_brace', brace: '}', position: 5 })
    const message = variableProblem('Hello {recipient_name', KNOWN, 'The subject')
    assert.include(message!, 'The subject has a "{" that is not part of a variable')
    assert.include(message!, 'Write {{ or }} for a literal brace')
  })

  test('an unknown variable is refused with the list of known ones', ({ assert }) => {
    const message = variableProblem('Hi {recipent_name} of {batch_code}', KNOWN, 'The body')
    assert.equal(
      message,
      `Unknown variable {recipent_name}. Known variables: ${KNOWN.map((n) => `{${n}}`).join(', ')}.`
    )
    assert.isNull(variableProblem('Hi {recipient_name} of {batch_code}', KNOWN, 'The body'))
  })

  test('values are HTML-escaped in the HTML body and raw in subject and text', ({ assert }) => {
    const values = { recipient_name: 'Tom & <Jerry>', org_name: 'A "B" C' }
    const content = emailContent({
      emailSubject: '{recipient_name} from {org_name}',
      body: '<p>Dear {recipient_name}</p>',
      emailTextBody: 'Dear {recipient_name}',
    })
    const rendered = renderEmail(content, values)
    assert.equal(rendered.subject, 'Tom & <Jerry> from A "B" C')
    assert.equal(rendered.html, '<p>Dear Tom &amp; &lt;Jerry&gt;</p>')
    assert.equal(rendered.text, 'Dear Tom & <Jerry>')
  })

  test('a value cannot break the subject into a second header line', ({ assert }) => {
    const rendered = renderEmail(emailContent({ emailSubject: 'For {recipient_name}' }), {
      recipient_name: 'Asha\r\nBcc: x@example.com',
    })
    assert.equal(rendered.subject, 'For Asha Bcc: x@example.com')
  })

  test('a link filled from an import column cannot become a javascript: link', ({ assert }) => {
    const rendered = renderEmail(emailContent({ body: '<a href="{batch_code}">open</a>' }), {
      batch_code: 'javascript:alert(1)',
    })
    assert.equal(rendered.html, '<a>open</a>')
  })

  test('the plain-text part is generated from the filled HTML when not written', ({ assert }) => {
    const rendered = renderEmail(
      emailContent({
        body: '<p>Dear {recipient_name},</p><p><a href="{verification_url}">Verify</a></p>',
      }),
      { recipient_name: 'Asha', verification_url: 'https://example.test/v/abc' }
    )
    assert.equal(rendered.text, 'Dear Asha,\n\nVerify [https://example.test/v/abc]')
  })

  test('Devanagari text and values come through unchanged in every part', ({ assert }) => {
    const values = { recipient_name: 'आशा वर्मा', course_name: 'डेटा विज्ञान' }
    const rendered = renderEmail(
      emailContent({
        emailSubject: '{course_name} का प्रमाणपत्र',
        body: '<p>प्रिय {recipient_name}, बधाई हो!</p>',
      }),
      values
    )
    assert.equal(rendered.subject, 'डेटा विज्ञान का प्रमाणपत्र')
    assert.equal(rendered.html, '<p>प्रिय आशा वर्मा, बधाई हो!</p>')
    assert.equal(rendered.text, 'प्रिय आशा वर्मा, बधाई हो!')
  })

  test("a recipient's values: import columns, their certificates, and ours winning a clash", ({
    assert,
  }) => {
    const values = recipientVariables({
      orgName: 'Sunrise Academy',
      recipientName: 'Asha',
      recipientData: { course_name: 'Data Science', batch_code: 'B-7', org_name: 'spoofed' },
      certificates: [
        { id: 'c1', certificateNumber: 'SA-0001', issueDate: '2026-03-15', expiryDate: null },
        {
          id: 'c2',
          certificateNumber: 'SA-0002',
          issueDate: '2026-03-16',
          expiryDate: '2027-03-15',
        },
      ],
    })
    assert.equal(values.org_name, 'Sunrise Academy')
    assert.equal(values.batch_code, 'B-7')
    assert.equal(values.course_name, 'Data Science')
    assert.equal(values.certificate_number, 'SA-0001, SA-0002')
    assert.equal(values.certificate_count, '2')
    assert.equal(values.verification_url, verificationUrl('c1'))
    assert.equal(values.recipient_page_url, verificationUrl('c1'))
    assert.equal(values.issue_date, '15 Mar 2026')
    assert.equal(values.expiry_date, '')
  })

  test('a WhatsApp mapping fills each body parameter in order', ({ assert }) => {
    const rendered = renderWhatsapp(
      {
        ...emailContent({}),
        channel: 'whatsapp',
        whatsappTemplateName: 'certificate_issued',
        whatsappLanguage: 'hi',
        whatsappParameters: ['recipient_name', 'batch_code'],
      },
      { recipient_name: 'आशा', batch_code: 'B-7' }
    )
    assert.deepEqual(rendered, {
      templateName: 'certificate_issued',
      language: 'hi',
      parameters: [
        { position: 1, variable: 'recipient_name', value: 'आशा' },
        { position: 2, variable: 'batch_code', value: 'B-7' },
      ],
    })
  })
})
