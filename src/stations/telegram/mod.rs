//! Stations over Telegram: a shared location gets the nearest stations with buttons to
//! navigate, filter by a need and page on (`nearest`); `/station` shows, closes and reopens
//! one, and `/coverage` measures the 10-minute circle (`command`); `render` is how they read.

pub mod command;
pub mod nearest;
pub mod render;

use crate::bot::core::callback::{body, CallbackData};
use crate::bot::core::registry::{
    stay, Audience, Callbacks, Capability, Command, DeepLink, IdleInput, Job, JobScope, MenuEntry,
};
use crate::bot::core::Next;
use crate::config::Config;
use crate::geo::Position;
use crate::stations::domain::{Reach, MAX_PAGE};
use crate::stations::index::Directory;
use crate::stations::presence::{Presence, PresenceKey};
use crate::stations::{Service, StationCode};

/// The heads the router sends to stations.
pub const HEADS: &[&str] = &["st"];

/// What stations register: the nearest-station menu button and shared locations, `/station`
/// and `/coverage`, the buttons, the `st-` poster link, and the index warmed at start. Their
/// settings: the reach (radius, speed, time zone) and the station index every capability reads.
pub fn capability<T: Send + Sync + 'static>(config: &Config) -> Capability<T> {
    Capability::new("stations")
        .provide(Reach {
            radius_m: config.station_radius_km * 1000.0,
            speed_kmh: config.ebike_speed_kmh,
            tz: config.timezone,
            margin: chrono::Duration::minutes(config.station_closing_margin_minutes),
        })
        .provide(Directory::default())
        .provide(nearest::HereRadius(config.checkin_radius_m))
        .provide(PresenceKey::default())
        .provide(command::VisitsPaid(config.visit_points_per_day))
        .command(Command {
            name: "station",
            description: "cmd-station",
            audience: Audience::Coordinators,
            registered_only: false,
            run: |ctx, _, _, args| Box::pin(stay(command::station_command(ctx, args))),
        })
        .command(Command {
            name: "coverage",
            description: "cmd-coverage",
            audience: Audience::Coordinators,
            registered_only: false,
            run: |ctx, _, _, args| Box::pin(stay(command::coverage_command(ctx, args))),
        })
        .menu(MenuEntry {
            label: "menu-nearest",
            row: 0,
            share_location: true,
            // The label arrives as text only where the app cannot share from the button.
            run: |ctx| Box::pin(stay(nearest::explain_location(ctx))),
        })
        .idle(IdleInput {
            run: |ctx, msg| {
                Box::pin(async move {
                    let Some(at) = nearest::shared_position(msg) else {
                        return Ok(None);
                    };
                    nearest::on_location(ctx, at, nearest::is_live(msg)).await?;
                    Ok(Some(Next::Stay))
                })
            },
        })
        .callbacks(Callbacks {
            heads: HEADS,
            registered_only: true,
            run: |ctx, _, q, data| {
                Box::pin(async move {
                    match StationCallback::parse(data) {
                        Some(cb) => nearest::on_callback(ctx, q, cb).await?,
                        None => {
                            ctx.expired(q).await?;
                            return Ok(Next::Ask);
                        }
                    }
                    Ok(Next::Stay)
                })
            },
        })
        .deep_link(DeepLink {
            prefix: "st-",
            parse: |rest| StationCode::parse(rest).map(|c| c.to_string()),
            run: |ctx, code| Box::pin(stay(command::poster(ctx, code))),
        })
        .personal(crate::bot::core::personal::PersonalData {
            section: "station_visits",
            held: |conn, id| Box::pin(crate::stations::visits::held(conn, id)),
            export: |conn, id| Box::pin(crate::stations::visits::export(conn, id)),
            erase: |conn, e| {
                Box::pin(async move {
                    Ok(crate::bot::core::personal::Erased {
                        done: crate::stations::visits::erase(conn, e).await?,
                        after: Vec::new(),
                    })
                })
            },
        })
        .job(Job {
            name: "stations.index",
            every: None,
            at_start: true,
            scope: JobScope::EachInstance,
            // Built now rather than at the first rider's location.
            run: |env| {
                Box::pin(async move {
                    env.dep::<Directory>()?.current(&env.pool).await?;
                    Ok(())
                })
            },
        })
}

/// A station button's callback data (untrusted: parsed strictly, anything else is refused).
#[derive(Debug, Clone, PartialEq)]
pub enum StationCallback {
    /// Send the station as a venue.
    Navigate(StationCode),
    /// "I'm here": count a visit to the station the signed presence names.
    Here(Presence),
    /// Show a page of the answer for a position and a need, or only stations open on arrival.
    Page {
        from: Position,
        need: Option<Service>,
        open_now: bool,
        page: usize,
    },
}

impl CallbackData for StationCallback {
    fn encode(&self) -> String {
        match self {
            StationCallback::Navigate(code) => format!("st:n:{code}"),
            StationCallback::Here(p) => {
                format!("st:h:{}:{}:{}:{}", p.station, p.minute, p.how(), p.tag())
            }
            StationCallback::Page {
                from,
                need,
                open_now,
                page,
            } => {
                let filter = match (need, open_now) {
                    (Some(need), _) => need.as_str(),
                    (None, true) => "open",
                    (None, false) => "-",
                };
                format!("st:p:{:.5},{:.5}:{filter}:{page}", from.lat(), from.lng())
            }
        }
    }

    fn parse(data: &str) -> Option<StationCallback> {
        let mut parts = body(data, "st")?.split(':');
        let cb = match (parts.next()?, parts.next()) {
            ("n", Some(code)) => StationCallback::Navigate(StationCode::parse(code)?),
            ("h", Some(code)) => {
                let (minute, how, tag) = (parts.next()?, parts.next()?, parts.next()?);
                StationCallback::Here(Presence::parse(code, minute, how, tag)?)
            }
            ("p", Some(at)) => {
                let (lat, lng) = at.split_once(',')?;
                let from = Position::new(lat.parse().ok()?, lng.parse().ok()?).ok()?;
                let (need, open_now) = match parts.next()? {
                    "-" => (None, false),
                    "open" => (None, true),
                    word => (Some(Service::parse(word)?), false),
                };
                let page: usize = parts.next()?.parse().ok()?;
                if page > MAX_PAGE {
                    return None;
                }
                StationCallback::Page {
                    from,
                    need,
                    open_now,
                    page,
                }
            }
            _ => return None,
        };
        parts.next().is_none().then_some(cb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::core::callback::{head, MAX_BYTES};

    #[test]
    fn callbacks_round_trip_within_64_bytes() {
        let from = Position::new(-33.86882, 151.20929).unwrap();
        let all = [
            StationCallback::Navigate(StationCode::parse(&"X".repeat(24)).unwrap()),
            // The longest code, a minute far in the future, a full tag.
            StationCallback::Here(
                Presence::parse(&"X".repeat(24), "99999999", "L", "AZaz09-_AZaz").unwrap(),
            ),
            StationCallback::Page {
                from,
                need: Some(Service::Counselling),
                open_now: false,
                page: MAX_PAGE,
            },
            StationCallback::Page {
                from,
                need: None,
                open_now: false,
                page: 0,
            },
            StationCallback::Page {
                from,
                need: None,
                open_now: true,
                page: MAX_PAGE,
            },
        ];
        for cb in all {
            let data = cb.encode();
            assert!(data.len() <= MAX_BYTES, "{data}");
            assert!(HEADS.contains(&head(&data)), "{data}");
            assert_eq!(StationCallback::parse(&data), Some(cb));
        }
    }

    #[test]
    fn forged_station_callbacks_are_refused() {
        for forged in [
            "st:n:",
            "st:n:a b",
            "st:n:A:extra",
            "st:p:91,120:-:0",
            "st:p:31,120:wifi:0",
            "st:p:31,120:-:999",
            "st:p:31,120:-",
            "st:p:31;120:-:0",
            "st:x:1",
            "st:p:NaN,1:-:0",
        ] {
            assert_eq!(StationCallback::parse(forged), None, "{forged}");
        }
    }
}
