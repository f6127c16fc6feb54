//! Moving both sockets to a renewed token without losing anything: make
//! before break.
//!
//! 1. A new pair of sockets opens with the new token and subscribes as the
//!    current pair did; each then sends a `ping`. The server handles a
//!    socket's frames in order, so its `pong` means the subscriptions are in
//!    force: from then on every result reaches the new socket too.
//! 2. The new pair becomes current (commands are published on it), and the
//!    old pair is sent a `ping` of its own. Its `pong` comes after every
//!    frame the server queued on it before, so once it arrives nothing more
//!    is on its way there and the old socket is closed.
//!
//! While both pairs are open a result may come twice; the router passes it
//! on once. Nothing is re-sent, and the old pair's closing is not a dropped
//! link: no command turns `unknown` for it. If the new pair fails to open,
//! the old one stays and the user is told.

use leptos::prelude::*;

use crate::console::{commands_subscription, Console, Sockets};
use crate::state::connection::{Endpoint, SocketState};
use crate::transport::{CommandsOut, StreamOut};
use skynet_protocol::Liveness;

/// A move under way.
pub struct Handover {
    generation: u64,
    /// The new pair, until it is current.
    incoming: Option<Sockets>,
    /// Which of the new pair answered their `ping`.
    ready: (bool, bool),
    /// The old pair, after the new took over, until each answers its `ping`.
    retiring: Option<Sockets>,
    /// Which of the old pair answered (and was closed).
    drained: (bool, bool),
}

fn ping_id(what: &str, endpoint: Endpoint, generation: u64) -> String {
    format!(
        "{what}-{}-{generation}",
        endpoint.path().rsplit('/').next().unwrap_or("")
    )
}

impl Console {
    /// Moves the sockets to the token now in the settings (after a
    /// renewal). Without open sockets there is nothing to move: the next
    /// connect uses the new token.
    pub fn move_sockets_to_current_token(&self) {
        let open = self.sockets.with_value(|s| {
            s.as_ref()
                .is_some_and(|s| s.commands.is_open() && s.stream.is_open())
        });
        if !open {
            // A pair that is reconnecting would retry with the old token.
            if self.sockets.with_value(Option::is_some) {
                if let Err(why) = self.connect() {
                    self.notify(format!("Could not reconnect with the renewed token: {why}"));
                }
            }
            return;
        }
        let urls = match self.socket_urls() {
            Ok(urls) => urls,
            Err(why) => return self.notify(format!("Could not use the renewed token: {why}")),
        };
        self.cancel_handover();
        // Not the current generation: the new pair's states come here until
        // it takes over.
        let generation = self.new_generation();
        let incoming = self.open_sockets(urls, generation);
        self.handover.set_value(Some(Handover {
            generation,
            incoming: Some(incoming),
            ready: (false, false),
            retiring: None,
            drained: (false, false),
        }));
    }

    /// True while sockets are moving to a renewed token.
    pub fn moving_sockets(&self) -> bool {
        self.handover.with_value(Option::is_some)
    }

    /// Which pair of sockets is current (changes on every connect and move).
    pub fn sockets_generation(&self) -> u64 {
        self.socket_generation.get_value()
    }

    /// Stops a move under way, closing whatever it opened or kept.
    pub(crate) fn cancel_handover(&self) {
        if let Some(handover) = self.handover.try_update_value(Option::take).flatten() {
            for sockets in [handover.incoming, handover.retiring].into_iter().flatten() {
                sockets.commands.close();
                sockets.stream.close();
            }
        }
    }

    /// A state of a socket that is not the current pair's: the new pair's
    /// opening, or the old pair's closing (which is no news).
    pub(crate) fn on_incoming_state(
        &self,
        generation: u64,
        endpoint: Endpoint,
        state: SocketState,
    ) {
        let Some(incoming) = self.handover.with_value(|h| {
            h.as_ref()
                .filter(|h| h.generation == generation)
                .and_then(|h| {
                    h.incoming
                        .as_ref()
                        .map(|s| (s.commands.clone(), s.stream.clone()))
                })
        }) else {
            return;
        };
        let (commands, stream) = incoming;
        match state {
            SocketState::Open => {
                let ping = Liveness {
                    id: Some(ping_id("handover", endpoint, generation)),
                };
                let sent = match endpoint {
                    Endpoint::Commands => commands
                        .send(commands_subscription())
                        .and_then(|()| commands.send(CommandsOut::ping(&ping))),
                    Endpoint::Stream => {
                        self.subscribe_streams_on(&stream);
                        stream.send(StreamOut::ping(&ping))
                    }
                };
                if let Err(e) = sent {
                    self.handover_failed(&e.to_string());
                }
            }
            SocketState::Connecting { .. } => {}
            SocketState::Idle => {}
            SocketState::Reconnecting { reason, .. } | SocketState::Closed { reason, .. } => {
                self.handover_failed(&reason);
            }
        }
    }

    fn handover_failed(&self, why: &str) {
        self.cancel_handover();
        self.notify(format!(
            "Could not move the sockets to the renewed token ({why}); they stay on the old one until it lapses."
        ));
    }

    /// A `pong`: one of the handover's, or the heartbeat's (ignored).
    pub(crate) fn on_pong(&self, id: &str) {
        let Some(generation) = self
            .handover
            .with_value(|h| h.as_ref().map(|h| h.generation))
        else {
            return;
        };
        let is = |what, endpoint| id == ping_id(what, endpoint, generation);
        if is("handover", Endpoint::Commands) || is("handover", Endpoint::Stream) {
            let ready = self.handover.try_update_value(|h| {
                let h = h.as_mut()?;
                if is("handover", Endpoint::Commands) {
                    h.ready.0 = true;
                } else {
                    h.ready.1 = true;
                }
                Some(h.ready == (true, true))
            });
            if ready.flatten() == Some(true) {
                self.take_over(generation);
            }
        } else if is("drain", Endpoint::Commands) || is("drain", Endpoint::Stream) {
            let commands = is("drain", Endpoint::Commands);
            let done = self.handover.try_update_value(|h| {
                let h = h.as_mut()?;
                let old = h.retiring.as_ref()?;
                if commands {
                    old.commands.close();
                    h.drained.0 = true;
                } else {
                    old.stream.close();
                    h.drained.1 = true;
                }
                Some(h.drained == (true, true))
            });
            if done.flatten() == Some(true) {
                self.handover.set_value(None);
            }
        }
    }

    /// The new pair's subscriptions are in force: it becomes current, and
    /// the old pair is drained.
    fn take_over(&self, generation: u64) {
        let Some(incoming) = self
            .handover
            .try_update_value(|h| h.as_mut().and_then(|h| h.incoming.take()))
            .flatten()
        else {
            return;
        };
        self.socket_generation.set_value(generation);
        let old = self
            .sockets
            .try_update_value(|s| s.replace(incoming))
            .flatten();
        let Some(old) = old else {
            return self.handover.set_value(None);
        };
        let drain = |endpoint| Liveness {
            id: Some(ping_id("drain", endpoint, generation)),
        };
        // A ping that cannot go (the old socket just died) needs no drain.
        let commands_drained = old
            .commands
            .send(CommandsOut::ping(&drain(Endpoint::Commands)))
            .is_err();
        let stream_drained = old
            .stream
            .send(StreamOut::ping(&drain(Endpoint::Stream)))
            .is_err();
        if commands_drained && stream_drained {
            old.commands.close();
            old.stream.close();
            return self.handover.set_value(None);
        }
        self.handover.update_value(|h| {
            if let Some(h) = h {
                h.drained = (commands_drained, stream_drained);
                h.retiring = Some(old);
            }
        });
    }
}
