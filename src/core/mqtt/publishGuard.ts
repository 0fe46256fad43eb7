import { type BrokerProfile, profileUrl } from './brokerProfile';

/** Asks the user; true means go on. Each front end brings its own (a modal dialog, a prompt). */
export type ConfirmPublish = (question: string, profile: BrokerProfile) => Promise<boolean>;

/**
 * DESIGN §6 and the security rules: a `production` profile asks before anything is
 * published to it. Without a way to ask, the answer is no.
 */
export async function guardPublish(profile: BrokerProfile, what: string, confirm?: ConfirmPublish): Promise<void> {
  if (profile.role !== 'production') return;
  const question = `"${profile.name}" (${profileUrl(profile)}) is a production broker. ${what} to it?`;
  if (!confirm || !(await confirm(question, profile))) throw new Error(`not published: "${profile.name}" is a production broker and publishing was not confirmed`);
}
