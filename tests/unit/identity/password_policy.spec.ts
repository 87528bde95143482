import { test } from '@japa/runner'
import vine, { SimpleMessagesProvider } from '@vinejs/vine'
import {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MESSAGES,
  isCommonPassword,
  newPassword,
  passwordProblem,
} from '#identity/validators/password'

const withSiblingEmail = vine.compile(
  vine.object({ email: vine.string(), password: newPassword() })
)
withSiblingEmail.messagesProvider = new SimpleMessagesProvider(PASSWORD_MESSAGES)

test.group('Password policy', () => {
  test('accepts any password of 8 to 128 characters, with no composition rules', async ({
    assert,
  }) => {
    for (const password of [
      'zqxwvutr',
      'all lowercase words here',
      'ÄÖÜ ünïcödé pässwörd',
      'x'.repeat(PASSWORD_MAX_LENGTH),
    ]) {
      assert.isNull(await passwordProblem(password), password)
    }
  })

  test('refuses fewer than 8 or more than 128 characters', async ({ assert }) => {
    assert.equal(await passwordProblem('zq7#wv!'), 'Use at least 8 characters.')
    assert.equal(
      await passwordProblem('x'.repeat(PASSWORD_MAX_LENGTH + 1)),
      'Use at most 128 characters.'
    )
  })

  test('refuses passwords on the common-password list, whatever their case', async ({ assert }) => {
    for (const password of ['password', 'PASSWORD1', 'iloveyou', 'qwerty123', '12345678']) {
      assert.equal(
        await passwordProblem(password),
        'This password is too common. Choose something less guessable.',
        password
      )
    }
    assert.isTrue(isCommonPassword('Sunshine'))
    assert.isFalse(isCommonPassword('correct horse battery staple'))
  })

  test('refuses the account email as the password, given as meta or as a sibling field', async ({
    assert,
  }) => {
    assert.equal(
      await passwordProblem('Priya.Nair@Example.test', 'priya.nair@example.test'),
      'Your password cannot be your email address.'
    )
    assert.isNull(await passwordProblem('priya.nair@example.test', 'someone.else@example.test'))

    const error = await withSiblingEmail
      .validate({ email: 'ravi@example.test', password: 'ravi@example.test' })
      .catch((e) => e)
    assert.equal(error?.messages?.[0]?.message, 'Your password cannot be your email address.')
    assert.deepEqual(
      await withSiblingEmail.validate({
        email: 'ravi@example.test',
        password: 'ravi likes long walks',
      }),
      {
        email: 'ravi@example.test',
        password: 'ravi likes long walks',
      }
    )
  })
})
