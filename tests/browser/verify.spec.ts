import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import type { Page } from 'playwright-core'
import { generateToken } from '#core/services/tokens'
import Certificate from '#certificates/models/certificate'
import { pageProblems, visit } from '#tests/helpers/browser'
import { givenOrg } from '#tests/helpers/given'
import { FIXTURES } from '#tests/helpers/templates'
import { givenBrandingAsset, signaturePng } from '#tests/helpers/given_templates'
import {
  expire,
  givenIssued,
  issuedPdf,
  revoke,
  supersede,
  tampered,
  tokenOf,
} from '#tests/helpers/verification'

const PHONE = { width: 390, height: 844 }
const DESKTOP = { width: 1280, height: 900 }

/** Nothing on the page is wider than the viewport: no sideways scrolling on a phone. */
async function assertNoHorizontalOverflow(assert: any, page: Page, label: string) {
  const { scrollWidth, clientWidth, widest } = await page.evaluate(() => {
    const document = (globalThis as any).document
    const root = document.documentElement
    let overflowing = ''
    for (const element of Array.from(document.body.querySelectorAll('*')) as any[]) {
      const box = element.getBoundingClientRect()
      if (box.right > root.clientWidth + 0.5 || box.left < -0.5)
        overflowing = `${element.tagName.toLowerCase()}.${element.className}`
    }
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, widest: overflowing }
  })
  assert.isAtMost(scrollWidth, clientWidth, `${label}: the page scrolls sideways`)
  assert.equal(widest, '', `${label}: an element sticks out of the viewport`)
}

async function bannerText(page: Page) {
  const status = await page.locator('#verify-status').innerText()
  return status.replace(/\s+/g, ' ').trim()
}

test.group('Verification pages in the browser', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('every state reads clearly on a desktop and on a phone, with nothing overflowing', async ({
    assert,
    cleanup,
  }) => {
    const { org } = await givenOrg({
      name: 'Rashtriya Kaushal Vikas Sansthan — Bengaluru Regional Centre',
    })
    await givenBrandingAsset(org, { type: 'logo', name: 'Crest', bytes: signaturePng(900, 300) })
    const [valid, expired, revoked, superseded, replacement] = await givenIssued(org, {
      count: 5,
      expiry: { mode: 'months', months: 36 },
    })
    // Long unbroken words are what break phone layouts.
    await Certificate.query()
      .where('id', valid.id)
      .update({ recipient_name: 'Venkatasubramanian Chandrasekharanarayanaswamy Ramalingeswarar' })
    await expire(expired)
    await revoke(
      revoked,
      'Assessment-record-mismatch-found-during-the-annual-audit-of-centre-BLR-0042-and-confirmed-by-the-board'
    )
    await supersede(superseded, replacement)

    const states: [string, Certificate, RegExp][] = [
      [
        'valid',
        valid,
        /^✓ Valid certificate Issued by Rashtriya Kaushal Vikas Sansthan — Bengaluru Regional Centre to Venkatasubramanian/,
      ],
      [
        'expired',
        expired,
        /^! Expired Issued by .+ and valid until \d{1,2} \w+ \d{4}; it is no longer current\.$/,
      ],
      [
        'revoked',
        revoked,
        /^✕ Revoked .+ revoked this certificate on 2 April 2026\. It is no longer valid\. Reason: Assessment-record-mismatch/,
      ],
      [
        'superseded',
        superseded,
        /^↻ Replaced by a newer certificate .+ on 5 April 2026\. This one is no longer valid\. View the current certificate$/,
      ],
    ]
    const { page } = await visit(`/v/${tokenOf(valid)}`, cleanup)
    for (const viewport of [DESKTOP, PHONE]) {
      await page.setViewportSize(viewport)
      for (const [status, certificate, banner] of states) {
        const label = `${status} at ${viewport.width}px`
        const response = await page.goto(`/v/${tokenOf(certificate)}?via=qr`)
        assert.equal(response?.status(), 200, label)
        assert.equal(response?.headers()['referrer-policy'], 'no-referrer', label)
        assert.equal(
          await page.locator('#verify-status').getAttribute('data-status'),
          status,
          label
        )
        assert.match(await bannerText(page), banner, label)
        assert.isTrue(await page.locator('#verify-status').isVisible(), label)
        assert.equal(
          await page.locator('#verify-number').innerText(),
          certificate.certificateNumber,
          label
        )
        // The logo loaded (through the token) and fits.
        assert.isTrue(
          await page
            .locator('img.verify-logo')
            .evaluate((img: any) => img.complete && img.naturalWidth > 0),
          label
        )
        assert.equal(
          await page.locator('#verify-linkedin').count(),
          status === 'valid' ? 1 : 0,
          label
        )
        await assertNoHorizontalOverflow(assert, page, label)
      }
    }
    // On a phone the actions are full-width buttons, stacked, and big enough to tap.
    await page.goto(`/v/${tokenOf(valid)}`)
    const buttons = await page
      .locator('.verify-actions .btn')
      .evaluateAll((links) => links.map((link) => link.getBoundingClientRect()))
    assert.lengthOf(buttons, 3)
    for (const box of buttons) assert.isAtLeast(box.height, 36)
    assert.isBelow(buttons[0].bottom, buttons[1].top + 1)

    // The superseded page links to the replacement, which is valid.
    await page.goto(`/v/${tokenOf(superseded)}`)
    await page.getByRole('link', { name: 'View the current certificate' }).click()
    await page.waitForURL(`**/v/${tokenOf(replacement)}`)
    assert.equal(await page.locator('#verify-status').getAttribute('data-status'), 'valid')
    assert.deepEqual(pageProblems(page), [])
  })

  test('an unknown link shows the not-found page, which leads to checking a PDF; a genuine PDF is found, an edited one names its original, another PDF is not found', async ({
    assert,
    cleanup,
  }) => {
    const { org } = await givenOrg({ name: 'Upload Check Institute' })
    const [certificate] = await givenIssued(org)
    const genuine = join(tmpdir(), `certificate-${randomUUID()}.pdf`)
    const edited = join(tmpdir(), `certificate-${randomUUID()}.pdf`)
    await writeFile(genuine, await issuedPdf(certificate))
    await writeFile(edited, tampered(await issuedPdf(certificate)))

    const { page } = await visit(`/v/${generateToken()}`, cleanup)
    await page.setViewportSize(PHONE)
    assert.equal(await page.locator('h1').innerText(), "We couldn't find this certificate")
    // The browser reports the page's own 404 status; that is the point here, not a problem.
    assert.deepEqual(pageProblems(page), [
      'console error: Failed to load resource: the server responded with a status of 404 (Not Found)',
    ])
    pageProblems(page).length = 0
    await assertNoHorizontalOverflow(assert, page, '404 page')
    await page.getByRole('link', { name: 'Check a certificate PDF' }).first().click()
    await page.waitForURL('**/verify')
    await assertNoHorizontalOverflow(assert, page, 'upload page')

    await page.getByLabel('Certificate PDF').setInputFiles(genuine)
    await page.getByRole('button', { name: 'Check this PDF' }).click()
    await page.getByText('This file is exactly the PDF that was issued.').waitFor()
    assert.match(
      await bannerText(page),
      /^✓ Valid certificate Issued by Upload Check Institute to Learner 1\./
    )
    await assertNoHorizontalOverflow(assert, page, 'upload result')

    // An edited copy still carries the certificate's link: the page names the original, never "valid".
    await page.getByLabel('Certificate PDF').setInputFiles(edited)
    await page.getByRole('button', { name: 'Check this PDF' }).click()
    await page.locator('#verify-status[data-status="altered"]').waitFor()
    assert.match(
      await bannerText(page),
      new RegExp(
        `^! This file is not the certificate that was issued It carries the verification link of certificate ${certificate.certificateNumber}, but its bytes differ`
      )
    )
    assert.equal(
      await page.locator('.verify-original-status').innerText(),
      'The original is valid.'
    )
    assert.deepEqual(pageProblems(page), [
      'console error: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)',
    ])
    pageProblems(page).length = 0
    await assertNoHorizontalOverflow(assert, page, 'altered copy')

    // A PDF that names no certificate of ours.
    await page
      .getByLabel('Certificate PDF')
      .setInputFiles(fileURLToPath(new URL('pdf/basicapi.pdf', FIXTURES)))
    await page.getByRole('button', { name: 'Check this PDF' }).click()
    await page.locator('#verify-status[data-status="not_found"]').waitFor()
    assert.match(
      await bannerText(page),
      /^\? Not issued by Authentix No certificate issued through Authentix is exactly this file\./
    )
    await assertNoHorizontalOverflow(assert, page, 'no match')

    // Back to the genuine one: its result links to its verification page.
    await page.getByLabel('Certificate PDF').setInputFiles(genuine)
    await page.getByRole('button', { name: 'Check this PDF' }).click()
    await page.getByRole('link', { name: 'Open its verification page' }).click()
    await page.waitForURL(`**/v/${tokenOf(certificate)}`)
    assert.equal(await page.locator('#verify-status').getAttribute('data-status'), 'valid')
    assert.deepEqual(pageProblems(page), [])
  })
})
