import { configApp } from '@adonisjs/eslint-config'

/*
| The AdonisJS app preset, with two local choices:
| - user-facing messages stay one string literal each (grep finds them,
|   translators read them whole), so `max-len` does not count strings;
| - old input is flashed only through `#core/http/forms` (`flashInput`,
|   `flashFieldErrors`), which holds back every secret field: the session's
|   own `flashAll`/`flashExcept`/`flashValidationErrors` keep passwords;
| - `build/`, `tmp/` and the vendored browser assets are not ours to lint.
*/
export default configApp(
  { ignores: ['build/**', 'tmp/**', 'resources/**', 'node_modules/**'] },
  {
    name: 'Authentix',
    files: ['**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        ...['flashAll', 'flashExcept', 'flashOnly', 'flashValidationErrors'].map((property) => ({
          property,
          message: 'Flash old input with #core/http/forms (it holds back secret fields).',
        })),
      ],
      'max-len': [
        'error',
        {
          code: 100,
          comments: 120,
          ignoreUrls: true,
          ignoreStrings: true,
          ignoreTemplateLiterals: true,
          ignoreRegExpLiterals: true,
        },
      ],
    },
  }
)
