import Profile from '#identity/models/profile'
import type User from '#identity/models/user'

export interface UpdateProfileInput {
  user: User
  fullName: string
}

/** Renames the person; first/last names are derived, full name stays authoritative. */
export default class UpdateProfile {
  static async handle(input: UpdateProfileInput) {
    const names = Profile.namesFrom(input.fullName)
    const profile = await Profile.find(input.user.id)
    if (profile) {
      profile.merge(names)
      await profile.save()
      return profile
    }
    return Profile.create({ id: input.user.id, ...names })
  }
}
