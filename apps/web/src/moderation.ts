import { assignableRoles, canModerate, canReadAudit, type AuditEntry, type Member, type Message, type RoomHandle, type RoomRole, type Sanction, type User } from '@parley/client';
import { confirmDialog, openDialog } from './dialogs';
import { append, h, replaceChildren } from './dom';
import { describeError } from './errors';
import { longTime, shortTime } from './format';
import { toast } from './toasts';

/** The mute lengths offered in the member menu; `null` is for good. */
export const MUTE_CHOICES: ReadonlyArray<{ label: string; seconds: number | null; testId: string }> = [
  { label: '10 minutes', seconds: 600, testId: 'mute-10m' },
  { label: '1 hour', seconds: 3600, testId: 'mute-1h' },
  { label: '1 day', seconds: 86_400, testId: 'mute-1d' },
  { label: 'For good', seconds: null, testId: 'mute-forever' },
];

const ROLE_LABEL: Record<Exclude<RoomRole, 'owner'>, string> = { admin: 'Make admin', moderator: 'Make moderator', member: 'Make member' };

/** "until 14:05" / "until Mar 3, 14:05", or "for good". */
export function muteEnd(until: string | null): string {
  return until ? `until ${shortTime(until)}` : 'for good';
}

/** The member menu: only the actions the viewer's rank allows on this member (the server checks again). */
export function memberActionsDialog(options: {
  handle: RoomHandle;
  viewerRole: RoomRole | null;
  member: Member;
  mutedUntil: string | null | undefined;
  onChanged: () => void;
}): void {
  const { handle, viewerRole, member } = options;
  const name = member.user.displayName;
  const dialog = openDialog(`Moderate ${name}`, 'member-actions-dialog');
  const run = (button: HTMLButtonElement, action: () => Promise<unknown>, done: string): void => {
    button.addEventListener('click', () => {
      button.disabled = true;
      action().then(
        () => {
          dialog.close();
          toast(done, { kind: 'success' });
          options.onChanged();
        },
        (error: unknown) => {
          button.disabled = false;
          dialog.setError(describeError(error, 'That did not work'));
        },
      );
    });
  };
  const button = (label: string, testId: string, kind = 'secondary'): HTMLButtonElement =>
    h('button', { type: 'button', class: `button ${kind} small`, 'data-testid': testId }, label);

  const muted = options.mutedUntil !== undefined;
  const muteRow = h('div', { class: 'action-row' });
  if (muted) {
    const unmute = button('Unmute', 'unmute-member');
    run(unmute, () => handle.unmute(member.user.id), `${name} can send again.`);
    muteRow.append(unmute);
  } else {
    for (const choice of MUTE_CHOICES) {
      const mute = button(choice.label, choice.testId);
      run(mute, () => handle.mute(member.user.id, choice.seconds === null ? {} : { durationSeconds: choice.seconds }), `${name} is muted ${choice.seconds === null ? 'for good' : `for ${choice.label}`}.`);
      muteRow.append(mute);
    }
  }
  const kick = button('Kick', 'kick-member');
  run(kick, () => handle.kick(member.user.id), `${name} was removed from the room.`);
  const ban = button('Ban', 'ban-member', 'danger');
  ban.addEventListener('click', () => {
    // The confirmation replaces this dialog.
    dialog.close();
    void confirmDialog(`Ban ${name}?`, `${name} is removed at once and cannot come back until the ban is lifted.`, 'Ban').then((yes) => {
      if (!yes) return;
      handle.ban(member.user.id).then(
        () => {
          toast(`${name} is banned.`, { kind: 'success' });
          options.onChanged();
        },
        (error: unknown) => toast(describeError(error, `Could not ban ${name}`), { kind: 'error' }),
      );
    });
  });
  const roles = assignableRoles(viewerRole, member.role).map((role) => {
    const give = button(ROLE_LABEL[role], `role-${role}`);
    run(give, () => handle.setRole(member.user.id, role), `${name} is now ${role === 'admin' ? 'an admin' : `a ${role}`}.`);
    return give;
  });
  append(
    dialog.body,
    h('p', { class: 'dialog-lead' }, `@${member.user.username} · ${member.role}${muted ? ` · muted ${muteEnd(options.mutedUntil ?? null)}` : ''}`),
    h('section', { class: 'action-group' }, h('h3', {}, muted ? 'Muted' : 'Mute (no messages)'), muteRow),
    h('section', { class: 'action-group' }, h('h3', {}, 'Remove'), h('div', { class: 'action-row' }, kick, ban)),
    roles.length ? h('section', { class: 'action-group' }, h('h3', {}, 'Role'), h('div', { class: 'action-row' }, ...roles)) : null,
  );
}

/** Reporting a message to the site admins, with a reason. */
export function reportDialog(handle: RoomHandle, message: Message): void {
  const reason = h('textarea', { id: 'report-reason', class: 'input', rows: 3, maxlength: 500, required: true, 'data-testid': 'report-reason' });
  const submit = h('button', { type: 'submit', class: 'button primary', 'data-testid': 'report-submit' }, 'Report');
  const cancel = h('button', { type: 'button', class: 'button secondary' }, 'Cancel');
  const excerpt = message.content.length > 140 ? `${message.content.slice(0, 140)}…` : message.content;
  const form = h(
    'form',
    { class: 'dialog-form', novalidate: true },
    h('blockquote', { class: 'report-quote' }, h('strong', {}, message.author.displayName), ' ', excerpt),
    h('div', { class: 'field' }, h('label', { for: 'report-reason' }, 'What is wrong with it?'), reason),
    h('div', { class: 'dialog-actions' }, cancel, submit),
  );
  const dialog = openDialog('Report message', 'report-dialog', h('p', { class: 'dialog-lead' }, 'The site admins review reports. The author is not told who reported.'), form);
  cancel.addEventListener('click', () => dialog.close());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = reason.value.trim();
    if (!text) {
      dialog.setError('Say briefly why you report it.');
      reason.focus();
      return;
    }
    submit.disabled = true;
    handle.report(message.id, text).then(
      () => {
        dialog.close();
        toast('Thanks: the site admins will look at it.', { kind: 'success' });
      },
      (error: unknown) => {
        submit.disabled = false;
        dialog.setError(describeError(error, 'Could not send the report'));
      },
    );
  });
  reason.focus();
}

/** One line of the audit log in words. */
export function describeAudit(entry: AuditEntry): string {
  const who = (user: User | null): string => (user ? user.displayName : 'the system');
  const target = who(entry.targetUser);
  const details = entry.details;
  const reason = typeof details.reason === 'string' && details.reason ? ` (${details.reason})` : '';
  const until = 'until' in details ? ` ${muteEnd((details.until as string | null) ?? null)}` : '';
  switch (entry.action) {
    case 'member.muted':
      return `muted ${target}${until}${reason}`;
    case 'member.unmuted':
      return `unmuted ${target}`;
    case 'member.banned':
      return `banned ${target}${until}${reason}`;
    case 'member.unbanned':
      return `lifted the ban of ${target}`;
    case 'member.kicked':
      return `kicked ${target}`;
    case 'member.role_changed':
      return `changed ${target}'s role from ${String(details.from)} to ${String(details.to)}`;
    case 'message.deleted':
      return `deleted a message by ${target}${typeof details.excerpt === 'string' ? `: “${details.excerpt}”` : ''}`;
    case 'report.resolved':
      return `resolved report #${String(details.reportId)} as ${String(details.resolution)}`;
    case 'admin.broadcast':
      return `broadcast “${String(details.content)}”`;
    case 'user.suspended':
      return `suspended ${target}`;
    case 'user.reinstated':
      return `reinstated ${target}`;
    case 'admin.granted':
      return `made ${target} a site admin`;
    case 'admin.revoked':
      return `revoked ${target}'s site admin rights`;
  }
}

/** The room's Moderation panel: mutes and bans in force (moderators and above) and the audit log (owners, admins). */
export function moderationPanel(handle: RoomHandle, roomName: string, viewerRole: RoomRole | null): void {
  const sanctionList = h('ul', { class: 'mod-list', 'data-testid': 'sanction-list' }, h('li', { class: 'pick-note' }, 'Loading…'));
  const auditList = h('ol', { class: 'mod-list audit-list', 'data-testid': 'audit-list' });
  const more = h('button', { type: 'button', class: 'button ghost small', 'data-testid': 'audit-more', hidden: true }, 'Older entries');
  const dialog = openDialog(
    `Moderation · #${roomName}`,
    'moderation-panel',
    h('section', { class: 'action-group' }, h('h3', {}, 'Mutes and bans in force'), sanctionList),
    canReadAudit(viewerRole) ? h('section', { class: 'action-group' }, h('h3', {}, 'Audit log'), auditList, more) : null,
  );
  dialog.dialog.classList.add('wide');

  const renderSanction = (sanction: Sanction): HTMLLIElement => {
    const lift = h(
      'button',
      { type: 'button', class: 'button secondary small', 'data-testid': 'lift-sanction' },
      sanction.kind === 'mute' ? 'Unmute' : 'Unban',
    );
    const item = h(
      'li',
      { class: 'mod-item', 'data-testid': 'sanction', 'data-kind': sanction.kind, 'data-username': sanction.user.username },
      h(
        'div',
        { class: 'mod-text' },
        h('span', { class: 'mod-main' }, `${sanction.user.displayName} · ${sanction.kind === 'mute' ? 'muted' : 'banned'} ${muteEnd(sanction.until)}`),
        h('span', { class: 'mod-sub' }, [`since ${shortTime(sanction.createdAt)}`, sanction.reason].filter(Boolean).join(' · ')),
      ),
      canModerate(viewerRole, null) ? lift : null,
    );
    lift.addEventListener('click', () => {
      lift.disabled = true;
      (sanction.kind === 'mute' ? handle.unmute(sanction.user.id) : handle.unban(sanction.user.id)).then(
        () => item.remove(),
        (error: unknown) => {
          lift.disabled = false;
          dialog.setError(describeError(error, 'Could not lift it'));
        },
      );
    });
    return item;
  };
  handle.sanctions().then(
    (sanctions) =>
      replaceChildren(sanctionList, ...(sanctions.length ? sanctions.map(renderSanction) : [h('li', { class: 'pick-note' }, 'Nobody is muted or banned.')])),
    (error: unknown) => {
      replaceChildren(sanctionList);
      dialog.setError(describeError(error, 'Could not load the sanctions'));
    },
  );

  if (!canReadAudit(viewerRole)) return;
  let before: number | null = null;
  const loadAudit = async (): Promise<void> => {
    more.disabled = true;
    try {
      const page = await handle.audit(before === null ? { limit: 30 } : { limit: 30, before });
      before = page.nextBefore;
      for (const entry of page.entries) {
        auditList.append(
          h(
            'li',
            { class: 'mod-item', 'data-testid': 'audit-entry', 'data-action': entry.action },
            h(
              'div',
              { class: 'mod-text' },
              h('span', { class: 'mod-main' }, h('strong', {}, entry.actor?.displayName ?? 'System'), ' ', describeAudit(entry)),
              h('time', { class: 'mod-sub', datetime: entry.at, title: longTime(entry.at) }, shortTime(entry.at)),
            ),
          ),
        );
      }
      if (auditList.childElementCount === 0) auditList.append(h('li', { class: 'pick-note' }, 'Nothing yet.'));
      more.hidden = before === null;
    } catch (error) {
      dialog.setError(describeError(error, 'Could not load the audit log'));
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', () => void loadAudit());
  void loadAudit();
}
