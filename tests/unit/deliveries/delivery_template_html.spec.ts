import { test } from '@japa/runner'
import { sanitizeEmailHtml } from '#deliveries/services/delivery_template_html'
import { BUILT_IN_TEMPLATES } from '#deliveries/services/delivery_template_defaults'
import {
  BUILT_IN_VARIABLES,
  variableProblem,
} from '#deliveries/services/delivery_template_variables'

test.group('Delivery email HTML sanitizing', () => {
  test('a script is removed with its content', ({ assert }) => {
    assert.equal(
      sanitizeEmailHtml('<p>Hello</p><script>alert(document.cookie)</script>'),
      '<p>Hello</p>'
    )
  })

  test('event handlers are removed, and images with them', ({ assert }) => {
    assert.equal(
      sanitizeEmailHtml('<p onclick="steal()">Hi</p><img src="x" onerror="steal()">'),
      '<p>Hi</p>'
    )
  })

  test('javascript:, data: and relative links lose their address; https and mailto stay', ({
    assert,
  }) => {
    assert.equal(
      sanitizeEmailHtml(
        '<a href="javascript:alert(1)">a</a><a href=" JaVaScRiPt:alert(1)">b</a><a href="data:text/html,x">c</a><a href="/login">d</a>'
      ),
      '<a>a</a><a>b</a><a>c</a><a>d</a>'
    )
    assert.equal(
      sanitizeEmailHtml(
        '<a href="https://example.test/x?a=1&b=2" title="t">e</a><a href="mailto:help@example.test">f</a>'
      ),
      '<a title="t" href="https://example.test/x?a=1&amp;b=2">e</a><a href="mailto:help@example.test">f</a>'
    )
  })

  test('a link whose address is one variable is kept for the render to fill', ({ assert }) => {
    assert.equal(
      sanitizeEmailHtml('<a href="{verification_url}">Verify</a>'),
      '<a href="{verification_url}">Verify</a>'
    )
  })

  test('inline styles keep safe properties and lose url() and unknown ones', ({ assert }) => {
    assert.equal(
      sanitizeEmailHtml(
        '<p style="color: #333; font-size: 14px; background-image: url(https://t.example/p.gif); position: fixed">x</p>'
      ),
      '<p style="color:#333;font-size:14px">x</p>'
    )
    assert.equal(
      sanitizeEmailHtml('<p style="background-color: url(https://t.example/p.gif)">x</p>'),
      '<p>x</p>'
    )
  })

  test('style, iframe and form elements are dropped; tables and lists stay', ({ assert }) => {
    assert.equal(
      sanitizeEmailHtml(
        '<style>p{color:red}</style><iframe src="https://x.test"></iframe><form><input name="a"></form><table><tr><td colspan="2">a</td></tr></table><ul><li>b</li></ul>'
      ),
      '<table><tr><td colspan="2">a</td></tr></table><ul><li>b</li></ul>'
    )
  })

  test('Devanagari text passes through byte for byte', ({ assert }) => {
    const hindi = '<p>प्रिय {recipient_name}, आपका प्रमाणपत्र तैयार है।</p>'
    assert.equal(sanitizeEmailHtml(hindi), hindi)
  })

  test('the built-in templates survive sanitizing unchanged and use only known variables', ({
    assert,
  }) => {
    for (const template of BUILT_IN_TEMPLATES) {
      if (template.channel === 'email') {
        assert.equal(sanitizeEmailHtml(template.body), template.body, template.key)
        assert.isNull(variableProblem(template.body, BUILT_IN_VARIABLES, 'The body'))
        assert.isNull(variableProblem(template.emailSubject, BUILT_IN_VARIABLES, 'The subject'))
      } else {
        for (const name of template.whatsappParameters) {
          assert.include(BUILT_IN_VARIABLES as readonly string[], name)
        }
      }
    }
  })
})
