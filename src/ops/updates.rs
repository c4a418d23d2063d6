//! Updates counted by kind and outcome, and timed.
//!
//! [`observed`] is a link of the handler tree placed right after the claim: it times what
//! follows and counts the update as `handled`, `failed` (the handler returned an error) or
//! `ignored` (no branch took it). The claim counts `duplicate`s and the flood gate `dropped`
//! ones through [`crate::ops::exporter::update`].

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;
use std::time::Instant;

use teloxide::dptree::{
    self, di::DependencyMap, Handler, HandlerDescription, HandlerSignature, Type,
};
use teloxide::types::{Update, UpdateKind};

use super::exporter;

/// The update's kind as the Bot API names its field (`message`, `callback_query`, …).
pub fn kind_of(update: &Update) -> &'static str {
    match &update.kind {
        UpdateKind::Message(_) => "message",
        UpdateKind::EditedMessage(_) => "edited_message",
        UpdateKind::ChannelPost(_) => "channel_post",
        UpdateKind::EditedChannelPost(_) => "edited_channel_post",
        UpdateKind::CallbackQuery(_) => "callback_query",
        UpdateKind::InlineQuery(_) => "inline_query",
        UpdateKind::ChosenInlineResult(_) => "chosen_inline_result",
        UpdateKind::MyChatMember(_) => "my_chat_member",
        UpdateKind::ChatMember(_) => "chat_member",
        UpdateKind::ChatJoinRequest(_) => "chat_join_request",
        UpdateKind::MessageReaction(_) => "message_reaction",
        UpdateKind::MessageReactionCount(_) => "message_reaction_count",
        UpdateKind::Poll(_) => "poll",
        UpdateKind::PollAnswer(_) => "poll_answer",
        UpdateKind::PreCheckoutQuery(_) => "pre_checkout_query",
        UpdateKind::ShippingQuery(_) => "shipping_query",
        _ => "other",
    }
}

/// Times and counts the rest of the handler tree (see the module's documentation).
#[track_caller]
pub fn observed<'a, E, Descr>() -> Handler<'a, Result<(), E>, Descr>
where
    E: Send + Sync + 'a,
    Descr: HandlerDescription,
{
    let sig = HandlerSignature::Other {
        obligations: BTreeMap::from([(Type::of::<Update>(), std::panic::Location::caller())]),
        guaranteed_outcomes: BTreeSet::new(),
        conditional_outcomes: BTreeSet::new(),
        continues: true,
    };
    dptree::from_fn(
        |deps: DependencyMap, rest| async move {
            let kind = deps.try_get::<Update>().map_or("other", |u| kind_of(&u));
            let started = Instant::now();
            let flow = rest(deps).await;
            let outcome = match &flow {
                ControlFlow::Break(Ok(())) => "handled",
                ControlFlow::Break(Err(_)) => "failed",
                ControlFlow::Continue(_) => "ignored",
            };
            exporter::handler_seconds(kind, started.elapsed());
            exporter::update(kind, outcome);
            flow
        },
        sig,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(field: &str, value: serde_json::Value) -> Update {
        let mut json = serde_json::json!({"update_id": 1});
        json[field] = value;
        serde_json::from_str(&json.to_string()).unwrap()
    }

    #[test]
    fn kinds_are_named_as_the_bot_api_names_them() {
        let chat = serde_json::json!({"id": 7, "type": "private", "first_name": "A"});
        let user = serde_json::json!({"id": 7, "is_bot": false, "first_name": "A"});
        let message = serde_json::json!({
            "message_id": 1, "date": 0, "text": "hi", "chat": chat, "from": user
        });
        let edited = {
            let mut m = message.clone();
            m["edit_date"] = serde_json::json!(1);
            m
        };
        let press = serde_json::json!({
            "id": "1", "from": user, "chat_instance": "c", "data": "x", "message": message
        });
        let member = serde_json::json!({
            "chat": chat, "from": user, "date": 0,
            "old_chat_member": {"user": user, "status": "member"},
            "new_chat_member": {"user": user, "status": "kicked", "until_date": 0}
        });
        assert_eq!(kind_of(&update("message", message)), "message");
        assert_eq!(kind_of(&update("edited_message", edited)), "edited_message");
        assert_eq!(kind_of(&update("callback_query", press)), "callback_query");
        assert_eq!(kind_of(&update("my_chat_member", member)), "my_chat_member");
    }

    /// A poll update: a kind no other test sends, so its counters move only here.
    fn poll() -> Update {
        update(
            "poll",
            serde_json::json!({
                "id": "p", "question": "?", "options": [], "total_voter_count": 0,
                "is_closed": true, "is_anonymous": true, "type": "regular",
                "allows_multiple_answers": false
            }),
        )
    }

    #[tokio::test]
    async fn each_update_is_counted_once_as_handled_failed_or_ignored_and_timed() {
        use teloxide::dispatching::DpHandlerDescription;
        type Tree = Handler<'static, Result<(), String>, DpHandlerDescription>;
        exporter::install();
        assert_eq!(kind_of(&poll()), "poll");
        let read = |outcome: &str| {
            exporter::sum(
                &exporter::render(),
                exporter::UPDATES,
                &[("kind", "poll"), ("outcome", outcome)],
            )
        };
        let timed = || {
            let name = format!("{}_count", exporter::HANDLER_SECONDS);
            exporter::sum(&exporter::render(), &name, &[("kind", "poll")])
        };
        let before = (read("handled"), read("failed"), read("ignored"), timed());
        let ok: Tree = dptree::entry()
            .chain(observed())
            .endpoint(|| async { Ok(()) });
        let failing: Tree = dptree::entry()
            .chain(observed())
            .endpoint(|| async { Err("no".to_owned()) });
        let nothing: Tree = dptree::entry()
            .chain(observed())
            .branch(dptree::filter(|| false).endpoint(|| async { Ok(()) }));
        for tree in [&ok, &ok, &failing, &nothing] {
            let _ = tree.dispatch(dptree::deps![poll()]).await;
        }
        let after = (read("handled"), read("failed"), read("ignored"), timed());
        assert_eq!(after.0 - before.0, 2.0);
        assert_eq!(after.1 - before.1, 1.0);
        assert_eq!(after.2 - before.2, 1.0);
        assert_eq!(after.3 - before.3, 4.0);
    }
}
