//! `/feedback` for coordinators: the items not closed, oldest first (number, topic, age, first
//! words; at most [`LIST_LIMIT`] and a count of the rest), and `/feedback F-000123 close`. A
//! rider sending `/feedback` starts their own dialogue; a rider sending the close form (or
//! pressing a forged Close button) is refused by the domain.

use chrono::{DateTime, Utc};
use teloxide::types::CallbackQuery;
use teloxide::utils::html;

use super::{ask, group, Step};
use crate::bot::core::{Ctx, HandlerResult, Next, Outcome};
use crate::feedback::domain;
use crate::feedback::{FeedbackId, Item, Status, LIST_LIMIT};
use crate::i18n::{t, Lang};
use crate::tr;

/// What `/feedback` was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asked {
    /// Nothing after the command.
    Plain,
    Close(FeedbackId),
    /// Anything else.
    Other,
}

fn asked(args: &str) -> Asked {
    let words: Vec<&str> = args.split_whitespace().collect();
    match words.as_slice() {
        [] => Asked::Plain,
        [id, verb] if verb.eq_ignore_ascii_case("close") => {
            FeedbackId::parse(id).map_or(Asked::Other, Asked::Close)
        }
        _ => Asked::Other,
    }
}

/// `/feedback [F-… close]`.
pub async fn command(ctx: &Ctx, args: &str) -> Outcome<Step> {
    match (asked(args), ctx.user.is_coordinator()) {
        (Asked::Close(id), _) => {
            close(ctx, id).await?;
            Ok(Next::Resume)
        }
        (Asked::Plain, true) => {
            list(ctx).await?;
            Ok(Next::Resume)
        }
        (Asked::Other, true) => {
            ctx.send(tr!(ctx.lang(), "feedback-usage")).await?;
            Ok(Next::Resume)
        }
        (Asked::Plain | Asked::Other, false) => ask::begin(ctx).await,
    }
}

/// Closes item `id` (the domain checks the role), and takes the Close button off its message.
async fn close(ctx: &Ctx, id: FeedbackId) -> HandlerResult {
    match domain::close(&ctx.pool, ctx.user.id, id, ctx.now()).await {
        Ok(item) => {
            ctx.send(tr!(ctx.lang(), "feedback-closed", id = id.to_string()))
                .await?;
            group::clear_buttons(&ctx.env(), &item).await;
            Ok(())
        }
        Err(err) => ctx.refuse(err).await,
    }
}

/// A Close button pressed in a private chat (only a forged one can be: items are posted in the
/// group); the domain decides.
pub async fn on_close_press(ctx: &Ctx, q: &CallbackQuery, id: FeedbackId) -> Outcome<Step> {
    match domain::close(&ctx.pool, ctx.user.id, id, ctx.now()).await {
        Ok(item) => {
            ctx.answer(
                q,
                Some(tr!(ctx.lang(), "feedback-closed", id = id.to_string())),
            )
            .await?;
            group::clear_buttons(&ctx.env(), &item).await;
        }
        Err(err) => ctx.refuse_alert(q, err).await?,
    }
    Ok(Next::Stay)
}

/// How long ago, in the largest whole unit that fits.
fn age(lang: Lang, at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - at).num_minutes().max(0);
    match minutes {
        m if m < 60 => tr!(lang, "feedback-age-minutes", n = m),
        m if m < 48 * 60 => tr!(lang, "feedback-age-hours", n = m / 60),
        m => tr!(lang, "feedback-age-days", n = m / (24 * 60)),
    }
}

/// The first words of an item (escaped), or what it is when it has none.
fn first_words(lang: Lang, item: &Item) -> String {
    const SHOWN: usize = 40;
    match &item.body {
        Some(body) => {
            let line = body.lines().next().unwrap_or_default();
            let mut cut: String = line.chars().take(SHOWN).collect();
            if line.chars().count() > SHOWN || body.lines().nth(1).is_some() {
                cut.push('…');
            }
            html::escape(&cut)
        }
        None => match item.kind.as_str() {
            "voice" => tr!(lang, "feedback-kind-voice"),
            "photo" => tr!(lang, "feedback-kind-photo"),
            _ => String::new(),
        },
    }
}

/// The items not closed, oldest first.
async fn list(ctx: &Ctx) -> HandlerResult {
    let lang = ctx.lang();
    let (items, total) = match domain::open_items(&ctx.pool, ctx.user.id, LIST_LIMIT).await {
        Ok(found) => found,
        Err(err) => return ctx.refuse(err).await,
    };
    if items.is_empty() {
        ctx.send(tr!(lang, "feedback-list-empty")).await?;
        return Ok(());
    }
    let now = ctx.now();
    let mut text = tr!(lang, "feedback-list-head", n = total);
    for item in &items {
        let mark = match item.status {
            Status::Open => "🆕",
            Status::Answered => "💬",
            Status::Closed => "✔️",
        };
        text.push('\n');
        text.push_str(&format!(
            "{mark} <b>{}</b> · {} · {} · {}",
            item.id,
            t(lang, item.topic.label_key()),
            age(lang, item.created_at, now),
            first_words(lang, item)
        ));
        if item.group.is_none() {
            text.push_str(&tr!(lang, "feedback-not-posted"));
        }
    }
    let rest = total - items.len() as i64;
    if rest > 0 {
        text.push('\n');
        text.push_str(&tr!(lang, "feedback-list-more", n = rest));
    }
    text.push_str("\n\n");
    text.push_str(&tr!(lang, "feedback-list-hint"));
    ctx.send(text).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_reads_close_and_nothing_else() {
        assert_eq!(asked(""), Asked::Plain);
        assert_eq!(asked("F-000012 close"), Asked::Close(FeedbackId(12)));
        assert_eq!(asked("f12 CLOSE"), Asked::Close(FeedbackId(12)));
        assert_eq!(asked("F-x close"), Asked::Other);
        assert_eq!(asked("F-000012"), Asked::Other);
        assert_eq!(asked("F-000012 open"), Asked::Other);
    }

    #[test]
    fn ages_read_in_minutes_hours_then_days() {
        let now = Utc::now();
        let en = Lang::En;
        assert_eq!(
            age(en, now - chrono::Duration::minutes(5), now),
            tr!(en, "feedback-age-minutes", n = 5)
        );
        assert_eq!(
            age(en, now - chrono::Duration::hours(30), now),
            tr!(en, "feedback-age-hours", n = 30)
        );
        assert_eq!(
            age(en, now - chrono::Duration::days(3), now),
            tr!(en, "feedback-age-days", n = 3)
        );
    }
}
