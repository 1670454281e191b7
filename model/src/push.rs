//! Push subscriptions, notifications and permissions (W3C Push API §subscribe() method,
//! §Receiving a push message; WHATWG Notifications §Activating a notification, §Closing a
//! notification; Permissions). Permissions are environment state the user can grant or revoke.

use crate::{Action, ClientId, EventKind, SwModel, SwState};
use serde::{Deserialize, Serialize};
use swspec_model_derive::{observed_type, state_type};

/// A permission's state for the origin.
#[observed_type(Copy, Default)]
#[serde(rename_all = "lowercase")]
pub enum PermissionState {
    /// Granted (how the capture harness sets it up).
    #[default]
    Granted,
    /// Denied or revoked by the user.
    Denied,
}

/// The powerful features the model knows about.
#[observed_type(Copy)]
#[serde(rename_all = "kebab-case")]
pub enum Permission {
    /// `"push"` (with `"notifications"`, which push needs for user-visible messages).
    Push,
    /// `"background-sync"`.
    BackgroundSync,
    /// `"periodic-background-sync"`.
    PeriodicBackgroundSync,
    /// `"background-fetch"`.
    BackgroundFetch,
}

/// The origin's permission states.
#[state_type(Copy, Default)]
pub struct Permissions {
    /// Push and notifications.
    pub push: PermissionState,
    /// Background sync.
    pub background_sync: PermissionState,
    /// Periodic background sync.
    pub periodic_background_sync: PermissionState,
    /// Background fetch.
    pub background_fetch: PermissionState,
}

impl Permissions {
    /// The state of one permission.
    pub fn get(&self, p: Permission) -> PermissionState {
        match p {
            Permission::Push => self.push,
            Permission::BackgroundSync => self.background_sync,
            Permission::PeriodicBackgroundSync => self.periodic_background_sync,
            Permission::BackgroundFetch => self.background_fetch,
        }
    }

    pub(crate) fn set(&mut self, p: Permission, v: PermissionState) {
        match p {
            Permission::Push => self.push = v,
            Permission::BackgroundSync => self.background_sync = v,
            Permission::PeriodicBackgroundSync => self.periodic_background_sync = v,
            Permission::BackgroundFetch => self.background_fetch = v,
        }
    }
}

/// Why `pushManager.subscribe()` rejects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubscribeError {
    /// No active worker (§subscribe() method).
    InvalidStateError,
    /// Permission denied, or `userVisibleOnly` false where the UA requires true.
    NotAllowedError,
}

/// When the push actions are enabled.
impl SwModel {
    /// Open client `c` subscribes to push, when the map entry's registration has no
    /// subscription yet and the call would succeed ([`SwModel::subscribe_rejects`]).
    pub(crate) fn subscribe_actions(&self, s: &SwState, c: ClientId, actions: &mut Vec<Action>) {
        if self.subscribe_rejects(s, true).is_none() {
            if let Some(r) = s.map_entry() {
                if !s.reg(r).push_subscribed {
                    actions.push(Action::Subscribe(c));
                }
            }
        }
    }

    /// The push service delivers a message to a subscribed registration's active worker; the
    /// user clicks or closes its notification (each while the worker can take another event);
    /// the user flips the push permission.
    pub(crate) fn push_actions(&self, s: &SwState, actions: &mut Vec<Action>) {
        if let Some(r) = s.map_entry() {
            let reg = s.reg(r);
            if let Some(a) = reg.active {
                let room = self.can_receive(s, a);
                if reg.push_subscribed && room {
                    actions.push(Action::PushMessage);
                }
                if reg.notification && room {
                    actions.push(Action::NotificationClick);
                    actions.push(Action::NotificationClose);
                }
            }
        }
        Self::toggle_permission(s, Permission::Push, actions);
    }

    /// The user flips `permission` (grant when denied, revoke when granted).
    pub(crate) fn toggle_permission(
        s: &SwState,
        permission: Permission,
        actions: &mut Vec<Action>,
    ) {
        let state = match s.permissions.get(permission) {
            PermissionState::Granted => PermissionState::Denied,
            PermissionState::Denied => PermissionState::Granted,
        };
        actions.push(Action::SetPermission { permission, state });
    }

    /// §subscribe() method: the rejection, if any, for a call by a page of the scope with the
    /// given `userVisibleOnly`. A rejected call changes no state (a guard, not an action).
    pub fn subscribe_rejects(
        &self,
        s: &SwState,
        user_visible_only: bool,
    ) -> Option<SubscribeError> {
        let r = s.map_entry()?;
        if s.reg(r).active.is_none() {
            return Some(SubscribeError::InvalidStateError);
        }
        if !user_visible_only && self.cfg.profile.params().push_requires_user_visible {
            return Some(SubscribeError::NotAllowedError);
        }
        if s.permissions.push == crate::PermissionState::Denied {
            return Some(SubscribeError::NotAllowedError);
        }
        None
    }
}

/// The push actions' steps and algorithms.
impl SwModel {
    /// `subscribe()` succeeds for the map entry's registration.
    pub(crate) fn subscribe(s: &mut SwState, _client: ClientId) {
        if let Some(r) = s.map_entry() {
            s.reg_mut(r).push_subscribed = true;
        }
    }

    /// §Receiving a push message: Fire Functional Event `push` on the map entry's (subscribed)
    /// registration's active worker.
    pub(crate) fn push_message(s: &mut SwState) -> Option<()> {
        let r = s.map_entry()?;
        if let Some(a) = s.reg(r).active {
            Self::queue_task(s, a, EventKind::Push);
        }
        Some(())
    }

    /// A permission changes; revoking push deactivates every push subscription.
    pub(crate) fn set_permission(s: &mut SwState, p: Permission, v: PermissionState) {
        s.permissions.set(p, v);
        if p == Permission::Push && v == PermissionState::Denied {
            for reg in &mut s.registrations {
                reg.push_subscribed = false;
            }
        }
        // Periodic Background Sync §Respond to permission revocation.
        if p == Permission::PeriodicBackgroundSync && v == PermissionState::Denied {
            for reg in &mut s.registrations {
                reg.periodic.clear();
            }
        }
    }

    /// The user clicks (`close == false`) or closes the map entry's registration's visible
    /// notification: Fire Functional Event `notificationclick` / `notificationclose` on its
    /// active worker.
    pub(crate) fn notification_activated(s: &mut SwState, close: bool) -> Option<()> {
        let r = s.map_entry()?;
        if close {
            s.reg_mut(r).notification = false;
        }
        if let Some(a) = s.reg(r).active {
            let kind = if close {
                EventKind::NotificationClose
            } else {
                EventKind::NotificationClick
            };
            Self::queue_task(s, a, kind);
        }
        Some(())
    }
}
