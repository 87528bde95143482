import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import Organization from '#orgs/models/organization'
import OrgTaxonomy from '#orgs/queries/org_taxonomy'
import { certificateNumberPreview } from '#orgs/validators/organization_settings'
import { pageProblems, visit } from '#tests/helpers/browser'
import { logInThroughForm } from '#tests/helpers/browser_login'
import { givenOrg } from '#tests/helpers/given'

test.group('Organization settings in the browser', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('an owner fixes an invalid GSTIN, changes the number format, and shapes the categories without touching the global ones', async ({
    assert,
    cleanup,
  }) => {
    const { org, owner } = await givenOrg({ name: 'Settings Browser Academy' })
    const { page } = await visit('/login', cleanup)
    await logInThroughForm(page, owner.email)
    const nav = page.getByRole('navigation', { name: 'Main' })

    // An invalid GSTIN (wrong check character): inline error, nothing saved.
    await nav.getByRole('link', { name: 'Organization' }).click()
    await page.waitForURL('**/settings/organization')
    await page.getByLabel('GSTIN').fill('27AAPFU0939F1ZW')
    await page.getByRole('button', { name: 'Save settings' }).click()
    await page.locator('#gstin-error').waitFor()
    const gstinError = await page.locator('#gstin-error').innerText()
    assert.equal(
      gstinError.trim(),
      'This GSTIN’s check character does not match; check it for typos.'
    )
    assert.equal(await page.getByLabel('GSTIN').inputValue(), '27AAPFU0939F1ZW')
    assert.equal(await page.locator('#flash .alert-success').count(), 0)
    const unsaved = await Organization.findOrFail(org.id)
    assert.isNull(unsaved.gstin)
    assert.equal(unsaved.certificateNumberFormat, '{prefix}-{YYYY}-{seq:6}')

    // A valid GSTIN and a new number format: saved, and the preview follows.
    const format = '{prefix}.{YY}{MM}.{seq:4}'
    await page.getByLabel('GSTIN').fill('29AAGCB7383J1Z4')
    await page.getByLabel('Format').fill(format)
    await page.getByRole('button', { name: 'Save settings' }).click()
    await page.getByText('Organization settings saved.').waitFor()
    assert.equal(await page.locator('#gstin-error').count(), 0)
    const expected = certificateNumberPreview(format, org.certificateNumberPrefix).preview
    assert.isString(expected)
    const preview = await page.locator('#number-preview-value').innerText()
    assert.equal(preview.trim(), expected)
    assert.equal(await page.getByLabel('Format').inputValue(), format)
    const saved = await Organization.findOrFail(org.id)
    assert.equal(saved.gstin, '29AAGCB7383J1Z4')
    assert.equal(saved.certificateNumberFormat, format)
    assert.equal(saved.name, 'Settings Browser Academy')

    // Categories: rename one global category, hide another, add an own one with a subcategory.
    const [first, second] = await OrgTaxonomy.for(org)
    const globalBefore = await db
      .from('certificate_categories')
      .whereIn('id', [first.id, second.id])
      .orderBy('id')
    await nav.getByRole('link', { name: 'Categories' }).click()
    await page.waitForURL('**/settings/categories')

    const firstCard = page.locator(`#category-${first.id}`)
    await page.getByLabel(`New name for ${first.name}`, { exact: true }).fill('Corporate courses')
    await firstCard.locator('.taxonomy-head').getByRole('button', { name: 'Rename' }).click()
    await page.getByText('Category “Corporate courses” renamed.').waitFor()

    const secondCard = page.locator(`#category-${second.id}`)
    await secondCard.locator('.taxonomy-head').getByRole('button', { name: 'Hide' }).click()
    await page.getByText(`Category “${second.name}” hidden.`).waitFor()

    await page.getByLabel('Category name').fill('Faculty development')
    await page.getByRole('button', { name: 'Add category' }).click()
    await page.getByText('Category “Faculty development” added.').waitFor()
    await page.getByLabel('New subcategory of Faculty development').fill('Research methods')
    await page.getByRole('button', { name: 'Add subcategory' }).last().click()
    await page.getByText('Subcategory “Research methods” added.').waitFor()

    // The page shows all three.
    const firstHeading = await firstCard.locator('.taxonomy-head h2').innerText()
    assert.equal(firstHeading.trim(), 'Corporate courses')
    assert.include(
      await firstCard.locator('.taxonomy-head').innerText(),
      `Renamed from “${first.name}”`
    )
    assert.include((await secondCard.getAttribute('class')) ?? '', 'is-hidden')
    assert.include(await secondCard.locator('.taxonomy-head').innerText(), 'Hidden')
    assert.equal(await secondCard.getByRole('button', { name: 'Show' }).count(), 1)
    const ownCard = page.locator('section.taxonomy-category', {
      has: page.getByRole('heading', { name: 'Faculty development' }),
    })
    assert.include(await ownCard.locator('.taxonomy-head').innerText(), 'Custom')
    assert.include(await ownCard.locator('.taxonomy-subs').innerText(), 'Research methods')

    // The database: global rows as they were, the org's changes in its own rows.
    const globalAfter = await db
      .from('certificate_categories')
      .whereIn('id', [first.id, second.id])
      .orderBy('id')
    assert.deepEqual(globalAfter, globalBefore)
    assert.isTrue(globalAfter.every((row) => row.organization_id === null))
    const overrides = await db
      .from('organization_taxonomy_overrides')
      .where('organization_id', org.id)
      .orderBy('entity_id')
    const byEntity = Object.fromEntries(overrides.map((row) => [row.entity_id, row]))
    assert.equal(byEntity[first.id].name, 'Corporate courses')
    assert.isFalse(Boolean(byEntity[first.id].is_hidden))
    assert.isTrue(Boolean(byEntity[second.id].is_hidden))
    const own = await db.from('certificate_categories').where('organization_id', org.id)
    assert.deepEqual(
      own.map((row) => row.name),
      ['Faculty development']
    )
    const ownSubs = await db.from('certificate_subcategories').where('organization_id', org.id)
    assert.deepEqual(
      ownSubs.map((row) => [row.name, row.category_id]),
      [['Research methods', own[0].id]]
    )

    assert.deepEqual(pageProblems(page), [])
  })
})
