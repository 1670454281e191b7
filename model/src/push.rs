//! Push subscriptions, notifications and permissions (W3C Push API §subscribe() method,
//! §Receiving a push message; WHATWG Notifications §Activating a notification, §Closing a
//! notification; Permissions). Permissions are environment state the user can grant or revoke.

use crate::{ClientId, EventKind, RegId, SwModel, SwState};
use serde::{Deserialize, Serialize};
use swspec_model_derive::observed_type;

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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

impl SwModel {
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

    /// `subscribe()` succeeds for the map entry's registration.
    pub(crate) fn subscribe(s: &mut SwState, _client: ClientId) {
        if let Some(r) = s.map_entry() {
            s.reg_mut(r).push_subscribed = true;
        }
    }

    /// §Receiving a push message: Fire Functional Event `push` on the subscribed registration's
    /// active worker.
    pub(crate) fn push_message(s: &mut SwState, r: RegId) {
        if let Some(a) = s.reg(r).active {
            Self::queue_task(s, a, EventKind::Push);
        }
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

    /// The user clicks (`close == false`) or closes the registration's visible notification:
    /// Fire Functional Event `notificationclick` / `notificationclose` on its active worker.
    pub(crate) fn notification_activated(s: &mut SwState, r: RegId, close: bool) {
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
    }
}
