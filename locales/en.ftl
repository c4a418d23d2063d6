# rider-bot, English. Every key here must also exist in zh-CN.ftl (a test checks).
# Texts are sent with parse_mode HTML: only <b>, <i>, <code> and escaped user input.

## Main menu
menu-nearest = 📍 Nearest station
menu-services = 🎁 Free services
menu-report = 📸 Report a problem
menu-points = 💰 My points
main-menu-prompt = What do you need? Tap a button below.
btn-cancel = ✖️ Cancel


## Dialogue housekeeping
cancelled = Cancelled. Back to the main menu.
cancelled-unregistered = Registration stopped; nothing was saved beyond your language. Send /start whenever you are ready.
nothing-to-cancel = Nothing to cancel.
dialogue-expired = ⏱ That step waited too long, so I closed it. Let's carry on from here.
dialogue-reset = 🙏 Sorry: the bot was updated and lost track of where we were. Please start that again from the menu.
unexpected-input = I can't use that here.
idle-unknown = I didn't catch that. Use the buttons below, or send /help.
button-expired = This button is no longer active.
unknown-command = I don't know that command. /help lists what I can do.
error-try-again = Sorry, something went wrong on our side. Please try again in a moment.
group-private-only = Please talk to me in a private chat.

## Help
help =
    <b>Rider bot</b>: warm-up stations, free services, problem reports and your points passbook.

    /start: register, or show the main menu
    /language: 中文 / English
    /notifications: announcements and nearby alerts, on or off
    /privacy: what we store about you and why
    /mydata: a copy of your data as a file
    /deletemydata: erase your personal data
    /cancel: stop what you are doing
    /services: free services: sign up, cancel, navigate
    /report: report a street problem with a photo
    /myreports: your reports and where they stand
    /feedback: tell the district team what you need (text, photo or voice)
    /points: your points, history and rewards
    /leaderboard: this month's top contributors
    /station &lt;code&gt;: a station's details and a navigate button
    /help: this list
help-coordinator =
    <b>Coordinator commands</b>
    /redeem &lt;code&gt;: confirm a reward hand-over
    /adjust &lt;rider&gt; &lt;+N|-N&gt; &lt;reason&gt;: correct points (audited)
    /passbook &lt;rider&gt;: a rider's points ledger
    /appoint &lt;user id or @username&gt;: make a rider a grid officer (or reply to their forwarded message)
    /revoke &lt;user id or @username&gt;: make a grid officer a rider again
    /station &lt;code&gt; close [until 18:00 | 2026-12-01 18:00] [reason]: close a station for riders
    /station &lt;code&gt; open: reopen it
    /coverage [22:00]: share of the district within 10 e-bike minutes of an open station, now and at a time
    /broadcast: send an announcement (text or photo) to all riders, a platform, riders near a station, a session's sign-ups or grid officers; /broadcasts: recent ones and their figures
    /reports: open reports, oldest first
    /feedback: open feedback from riders, oldest first (answer by replying to the item in the group); /feedback F-000123 close
    /report R-000123 [accept | reject REASON | route DEPARTMENT | resolve | duplicate R-000100]: act on a report without the group
    /session CODE: a session's sign-ups and the check-in QR code to print; /session CODE cancel REASON calls it off and tells everyone
    /checkin SESSION RIDER: check a rider (or a walk-in) in

## Commands (the menu next to the text box)
cmd-start = Register or open the main menu
cmd-help = What this bot can do
cmd-cancel = Stop what you are doing
cmd-language = 中文 / English
cmd-privacy = What we store and why
cmd-mydata = Send me my data as a file
cmd-deletemydata = Erase my personal data
cmd-appoint = Appoint a grid officer
cmd-revoke = Revoke a grid officer

## Onboarding
privacy-notice =
    👋 Welcome! This bot is run by the subdistrict for delivery riders and couriers.

    <b>Privacy notice</b>
    To register, we store:
    • your <b>name</b>, so coordinators know who you are;
    • your <b>platform or company</b>, to plan services for each group of riders;
    • your <b>phone number</b>, to reach you about your reports, sign-ups and rewards;
    • your Telegram id and language, to reply to you.
    Locations and photos are used only for the request you send them with (unless you turn on nearby alerts in /notifications: then the area of your last shared location is kept for 30 days). We do not share your data outside the subdistrict's service team: reports passed on to city departments carry the problem, the place and the photo, never who sent them. Photos of a report are deleted some months after it is closed (/privacy says when). You can see what we hold with /privacy, get a copy with /mydata and erase it at any time with /deletemydata.

    Tap <b>Accept</b> to continue.
btn-accept = ✅ Accept
btn-switch-lang = 中文
consent-needed = Please tap <b>Accept</b> under the notice to continue, or /cancel.
ask-name = What should we call you? Type your name, or tap your Telegram name below.
name-too-long = That is longer than 64 characters. Please send a shorter name.
name-invalid = A name can't be empty or start with "/". Please type your name.
ask-platform = Which platform or courier company do you ride for?
platform-eleme = Ele.me
platform-meituan = Meituan
platform-sf = SF Express
platform-zto = ZTO
platform-yto = YTO
platform-yunda = Yunda
platform-jd = JD Logistics
platform-other = Other…
ask-platform-other = Type the name of your platform or company.
platform-invalid = Please send a company name of 1 to 40 characters.
ask-phone = Last step: tap <b>Share my phone number</b> below. Coordinators use it only to reach you about your reports, sign-ups and rewards.
btn-share-phone = 📱 Share my phone number
phone-not-own = That is someone else's contact. Please share your own number with the button below.
phone-use-button = Please use the button below to share your number; there is no need to type it.
phone-invalid = Telegram sent a number I can't read. Please try the button again.
welcome-registered = 🎉 Welcome, <b>{ $name }</b>! You are registered.
already-registered = You are already registered, <b>{ $name }</b>.
deeplink-unknown = I don't recognise the code in that link. If you scanned it at a station, please ask the staff there.

## Language
language-choose = Choose your language:
language-set = Language: English.

## Privacy and deletion
privacy-held = <b>What we hold about you now</b>
    Name: { $name }
    Platform: { $platform }
    Phone: { $phone }
privacy-held-nothing = We hold nothing about you except your Telegram id and language.
delete-confirm = This erases your name, phone number and platform; gives up your service seats and places in line (the next riders get them); cancels your open reward redemptions (the items go back in stock); takes you off the leaderboard; and your points go with your account. Reports you filed stay as records of street problems, and your points history as amounts, neither linked to you any more. Erase now?
privacy-held-title = <b>What we hold about you now</b>
privacy-held-line = • { $kind }: { $count }
held-profile = Your profile (name, platform, phone)
held-audit = Coordinator actions about you (audit trail)
held-reports = Street-problem reports you filed
held-photos = Photos of those reports
held-draft-photos = Photos of a report not sent yet
held-signups = Service sign-ups
held-ledger = Points passbook entries
held-redemptions = Reward redemptions
held-dialogue = What you typed in a conversation not finished yet
held-leaderboard = Shown by name on the leaderboard
privacy-retention = Photos of a report are deleted from the bot { $days } days after it is closed; the report itself stays. Copies posted in the coordinators' group stay there until the team removes them.
privacy-mydata = /mydata sends you all of it as a file; /deletemydata erases it.
mydata-caption = Everything we hold about you, as a file. Keep it private: it has your phone number.
delete-done-title = Done: your personal data is erased.
delete-done-end = Send /start to register again: you would start with a clean slate.
erased-profile = Your name, phone number, platform and username are deleted.
erased-audit = { $n } audit records about you no longer name you.
erased-signups = { $n } service sign-ups given up; the next riders in line get the seats.
erased-attendance-kept = { $n } past attendances stay in the district's figures, without your name.
erased-redemptions = { $n } open redemptions cancelled; the items are back in stock.
erased-leaderboard = You are off the leaderboard.
erased-ledger-kept = { $n } points entries stay only as anonymous amounts, so the district's totals add up.
erased-reports-kept = { $n } reports stay as records of street problems; who filed them is gone.
erased-draft-photos = { $n } photos of a report you had not sent are deleted.
btn-delete-yes = 🗑 Yes, erase
btn-delete-no = Keep my data
delete-done = Done: your personal data is erased. Send /start to register again.
delete-kept = Nothing was erased.
delete-nothing = We hold no personal data about you; anything you had typed in a conversation not finished is forgotten.

## Roles
appoint-usage = Send /appoint with a user id or @username, or reply with /appoint to a rider's forwarded message.
revoke-usage = Send /revoke with a user id or @username, or reply with /revoke to a rider's forwarded message.
forward-hidden = That rider hides their account in forwarded messages. Use their user id or @username instead.
appoint-done = { $who } is now a grid officer.
revoke-done = { $who } is no longer a grid officer.
you-were-appointed = 🦺 You have been appointed a <b>grid officer</b>. Your reports will carry that role. Thank you!
you-were-revoked = You are no longer a grid officer. Thank you for your work!
role-not-coordinator = Only coordinators can do that.
role-unknown-user = I don't know that user. They need to send /start to the bot first.
role-not-registered = That user has not finished registering yet.
role-already-officer = { $who } is already a grid officer.
role-not-officer = { $who } is not a grid officer.
role-target-coordinator = Coordinators' roles come from the configuration (COORDINATOR_IDS).
someone = user { $id }

## Stations
stations-header = 📍 <b>Nearest warm-up stations</b> (within { $radius })
stations-header-need = 📍 <b>Nearest stations with { $need }</b> (within { $radius })
stations-none-within = 😔 No station within { $radius } of you. The nearest is { $distance } away:
stations-none-within-need = 😔 No station with { $need } within { $radius }. The nearest with it is { $distance } away:
stations-none-with-need = 😔 No station offers { $need } yet. Tap ✅ to see all stations.
stations-empty = No stations are listed yet. The district is adding them; please check back soon.
stations-far-away = 🌏 You seem to be far from the district: are you sure that is where you are?
stations-no-more = No more stations within { $radius }.
stations-share-hint = To find the nearest station I need your location: tap “📍 Nearest station” on a phone and allow location access, or send it with 📎 → Location.
station-distance = { $distance } · 🛵 { $minutes } min
station-open-until = 🟢 Open · closes { $time }
station-open-always = 🟢 Open 24 hours
station-closed-until = 🔴 Closed · opens { $time }
station-closed = 🔴 Closed
station-unknown = ⚪ Hours not known right now
station-closed-temporarily = ⛔ Temporarily closed
station-closed-temporarily-until = ⛔ Temporarily closed until { $time }
station-parking = 🅿️ { $spots } rider parking spots
station-opens-before-arrival = 🟢 Opens { $time }, before you get there
station-closes-after-arrival = 🟠 Closes { $time }, { $minutes } min after you get there
station-closes-before-arrival = 🔴 Closes { $time }, before you get there
station-mark-24h = 🌙 24h
station-reopens = opens { $time }
stations-none-within-need-open = 😔 No station with { $need } within { $radius }. The nearest open one with it is { $distance } away:
stations-header-open = 📍 <b>Stations open when you get there</b> (within { $radius })
stations-none-within-open = 😔 No station within { $radius } of you. The nearest open one is { $distance } away:
stations-none-open-anywhere = 😔 No station will be open when you get there. Tap ✅ to see all stations.
stations-none-open = 🌙 Nothing within { $radius } will be open when you get there.
stations-open-beyond = Nearest open: <b>{ $name }</b>, { $distance } · 🛵 { $minutes } min (🧭 button below).
stations-opens-first = First to open nearby: { $name }, { $time }.
stations-filter-open = 🟢 Open now
btn-navigate-open = 🧭 { $name } (open)
time-tomorrow = tomorrow { $time }
time-weekday = { $day ->
    [1] Mon
    [2] Tue
    [3] Wed
    [4] Thu
    [5] Fri
    [6] Sat
   *[7] Sun
} { $time }
distance-m = { $m } m
distance-km = { $km } km
service-word = { $service ->
    [shelter] shelter
    [charging] charging
    [water] water
    [meals] meals
    [toilet] toilet
    [health] health
    [medicine] medicine
    [parking] parking
    [microwave] microwave
    [reading] reading
    [legal] legal advice
   *[counselling] counselling
}
btn-navigate = 🧭 { $n }. { $name }
btn-navigate-one = 🧭 Navigate
btn-more = More ▸
btn-first-page = ◂ Nearest
station-not-found = No station has code { $code }.
station-usage = Usage: /station &lt;code&gt; shows a station. Coordinators: /station &lt;code&gt; close [until 18:00 | until 2026-12-01 18:00] [reason], or /station &lt;code&gt; open.
station-bad-time = “{ $time }” is not a time. Write until 18:00, until 2026-12-01 or until 2026-12-01 18:00.
station-reason-too-long = The reason is too long: at most { $max } characters.
station-until-past = That time has already passed. Give a time in the future.
station-closed-done = ⛔ { $name } ({ $code }) is closed until you reopen it with /station { $code } open. Riders see it now.
station-closed-done-until = ⛔ { $name } ({ $code }) is closed until { $time }. Riders see it now.
station-reopened = ✅ { $name } ({ $code }) is open again.
coverage-usage = Usage: /coverage, or /coverage 22:00 to compare with another hour.
coverage-head = 📊 <b>The { $minutes }-minute circle</b> (e-bike { $speed } km/h: { $reach })
coverage-area = { $stations } stations · { $points } sample points every { $spacing }
coverage-share = { $time }: <b>{ $percent }%</b> of the district is within reach of an open station
coverage-share-now = Now ({ $time }): <b>{ $percent }%</b> of the district is within reach of an open station
coverage-worst = Worst-covered spots now:
coverage-spot = { $distance } to the nearest open station ({ $minutes } min)
coverage-spot-none = no open station nearby
coverage-map-caption = Coverage now: green ≤ 5 min, light green ≤ 10, orange ≤ 15, red beyond. Blue dots: open stations; black: closed.
cmd-station = show, close or reopen a station
cmd-coverage = measure the 10-minute circle

## Points passbook
points-head = 💰 <b>My points</b>: <b>{ $balance }</b> available
points-held = ⏳ { $points } held for { $count } open redemption(s) until handed over
points-empty = No entries yet. Report street problems and take part in service days to earn points.
points-latest = Latest:
entry-report = ✅ report { $source } accepted
entry-attendance = 🎁 attended { $source }
entry-hold = 🎟 { $reward } (code { $code })
entry-refund = ↩️ { $reward } not collected (code { $code }), points back
entry-adjustment = ✏️ coordinator: { $reason }
entry-expiry = ⌛ points expired
btn-history = 📜 History
btn-rewards = 🎁 Rewards
btn-leaderboard = 🏆 Leaderboard
btn-leaderboard-show = 👁 Show me on it
btn-leaderboard-hide = 🙈 Hide my name
btn-back-points = ◂ My points
history-head = 📜 <b>History</b> (page { $page } of { $pages }), newest first:
history-no-page = That page does not exist any more.
rewards-head = 🎁 <b>Rewards</b>: you have { $balance } points. Tap one to redeem it.
rewards-none = No rewards are on offer right now.
reward-button = { $reward } · { $cost } pts ({ $stock } left)
reward-button-out = { $reward } · { $cost } pts (none left)
reward-unknown = This reward is not on offer any more.
reward-out-of-stock = Sorry, this reward has run out.
reward-not-enough = You have { $balance } points; this reward needs { $cost }.
redeem-confirm = Redeem <b>{ $reward }</b> for <b>{ $cost }</b> points?
    The points are held now. Show the code to a coordinator within { $days } days to collect it; if you don't, the points come back.
btn-redeem-confirm = ✅ Redeem
btn-redeem-cancel = ✖️ Not now
redeem-done = 🎟 <b>{ $reward }</b>: your code is <code>{ $code }</code>
    { $cost } points are held. Show this code (or the QR below) to a coordinator by { $until }.
redeem-qr-caption = Code <code>{ $code }</code>: show it to a coordinator.
redemption-expired = ↩️ Your code { $code } for { $reward } was not collected in time, so { $points } points are back in your passbook.
redemption-handed-over = ✅ { $reward } handed over. Enjoy, and thank you for riding with us!
redemption-unknown = No redemption has that code.
redeem-usage = Usage: /redeem &lt;code&gt;, the 8-character code the rider shows.
redeem-confirmed = ✅ Handed over: { $reward } to { $rider } (code { $code }).
redeem-already = Code { $code } was already handed over ({ $at }).
redeem-expired = Code { $code } expired and its points went back to the rider; nothing to hand over.
leaderboard-head = 🏆 <b>Top contributors, { $month }</b> (points earned this month)
leaderboard-empty = Nobody has earned points this month yet.
leaderboard-anonymous = a rider
leaderboard-you = { " " }(you)
leaderboard-shown = Your name now shows on the leaderboard.
leaderboard-hidden = Your name is hidden on the leaderboard.
adjust-usage = Usage: /adjust &lt;user id or @username&gt; &lt;+N or -N&gt; &lt;reason&gt; (or reply to their forwarded message with /adjust &lt;+N or -N&gt; &lt;reason&gt;).
adjust-reason-required = Please give a reason: /adjust &lt;rider&gt; &lt;+N or -N&gt; &lt;reason&gt;.
adjust-reason-too-long = The reason is too long: at most { $max } characters.
adjust-below-zero = That would take the balance below zero (it is { $balance }).
adjust-done = ✏️ { $rider }: { $amount } points. Balance now { $balance }.
adjust-told = ✏️ A coordinator changed your points: { $amount } ({ $reason }). Balance: { $balance }.
passbook-usage = Usage: /passbook &lt;user id or @username&gt; (or reply to their forwarded message).
passbook-head = 📒 Passbook of { $rider } (id { $id }), { $entries } entries:
cmd-points = my points passbook
cmd-leaderboard = this month's top contributors
cmd-redeem = confirm a reward hand-over
cmd-adjust = correct a rider's points (with a reason)
cmd-passbook = a rider's points ledger

## Grid reports: filing
cmd-report = report a street problem with a photo
cmd-myreports = my reports and their status
cmd-reports = open reports waiting for action
btn-prev = ◂ Newer
btn-next = Older ▸
report-started = 📸 <b>New report.</b> Tap ✖️ Cancel below at any time.
report-ask-category = What is the problem? Pick one:
report-ask-category-with-photo = 📷 Photo attached. What is the problem? Pick one:
report-use-category-buttons = Please pick the problem with one of the buttons.
report-not-set-up = 📸 Reports are not set up yet: there are no categories. Please tell a coordinator.
report-daily-limit = You have filed { $limit } reports today, the most for one day. Thank you! Please file more tomorrow.
report-ask-photos = 📷 Send a photo of the problem (up to 3). You can also send an image as a file.
report-photo-added = 📷 Photo { $n } of { $max } added. Send another, or tap ✅ Done.
report-photos-full = 📷 { $max } photos: that is the most one report holds.
report-not-a-photo = That is not a photo. Send a photo of the problem (or tap ✅ Done if you have sent one).
report-photo-not-image = That file is not an image. Send a photo, or a JPEG, PNG or WebP file.
report-photo-too-big = That photo is over Telegram's 20 MB limit for bots. Send it as a photo (not a file), or a smaller one.
report-photo-failed = Sorry, the photo could not be fetched from Telegram. Please send it again.
report-photos-done-already = Your photos are in (3 at most). Now share where the problem is.
report-btn-done = ✅ Done
report-ask-place = 📍 Where is it? Tap the button to share your location (or attach a location from the map).
report-btn-share-place = 📍 Share location
report-btn-same-place = 🔁 Same place as my last report
report-no-last-place = You have not filed a report in the last 30 minutes. Share the location with the button.
report-not-a-place = Please share the location with the 📍 button (or attach a location).
report-outside-district = That place is far outside the district. Share the location of the problem itself.
report-ask-note = 📝 Add a note for the coordinators (at most { $max } characters), or tap Skip.
report-btn-skip = ⏭ Skip
report-not-a-note = Please write the note as text, or tap ⏭ Skip.
report-note-too-long = Your note has { $n } characters; at most { $max } fit. Please shorten it, or tap ⏭ Skip.
report-place-near = near { $station } ({ $metres } m)
report-check = Almost done. Please check:
report-summary =
    📋 <b>Your report</b>
    Problem: { $category }
    Photos: { $photos }
    Place: { $place } (<a href="{ $map }">map</a>)
    Note: { $note }
report-no-note = none
report-btn-confirm = ✅ Confirm
report-btn-edit = ✏️ Edit
report-btn-cancel = ✖️ Cancel
report-use-summary-buttons = Please use the buttons under your report: Confirm, Edit or Cancel.
report-edit-category = Problem
report-edit-photos = Photos
report-edit-place = Place
report-edit-note = Note
report-edit-back = ◂ Back
report-edit-photos-hint = The new photos replace the old ones. Tap ✅ Done to keep the old ones.
report-cancelled-summary = ✖️ Report cancelled.
report-filed-toast = Filed as { $id }
report-filed-summary = ✅ Filed as <b>{ $id }</b>.
report-filed = ✅ Thank you! Your report number is <b>{ $id }</b>. We will tell you of every change. /myreports shows all your reports.
report-filed-maybe-duplicate = A similar report is already open nearby; the coordinators will check whether yours is the same problem.
report-already-filed = Already filed as { $id }.

## Grid reports: the reporter's view
report-mine-title = 📋 <b>My reports</b> ({ $total }), page { $page } of { $pages }:
report-mine-line = { $id } · { $category } · { $date } · { $status }
report-mine-none = You have not filed any report yet. Tap 📸 Report a problem to file one.
report-btn-withdraw = ↩️ Withdraw { $id }
report-btn-withdraw-yes = ↩️ Yes, withdraw { $id }
report-btn-back = ◂ Back
report-withdrawn = { $id } withdrawn.
report-not-yours = Only the person who filed a report can withdraw it.
report-unknown = There is no report { $id }.
report-unknown-department = There is no department "{ $dept }". Use a department code from the route buttons.
report-illegal = { $id } is { $status } now; that cannot be done any more.
report-bad-duplicate = Name another existing report, e.g. R-000100.
report-reason-required = Give a reason, e.g. /report R-000123 reject the photo shows no problem.
report-reason-too-long = The reason is too long (at most { $max } characters).
report-history-title = <b>History</b>
report-command-usage = Usage: /report R-000123 [accept | reject REASON | route DEPARTMENT | resolve | duplicate R-000100 | withdraw]. /report alone files a new report.
report-open-title = 📋 <b>Open reports</b> ({ $n }), oldest first. /report R-… shows one with its buttons.
report-status-submitted = 🆕 Submitted
report-status-accepted = ✅ Accepted
report-status-routed = 🏢 Routed
report-status-resolved = 🏁 Resolved
report-status-rejected = ❌ Rejected
report-status-duplicate = 🔁 Duplicate
report-status-withdrawn = ↩️ Withdrawn
report-notify-accepted = ✅ Your report <b>{ $id }</b> ({ $category }) was accepted. Thank you!
report-notify-routed = 🏢 Your report <b>{ $id }</b> ({ $category }) was sent to { $dept }, who will fix it.
report-notify-resolved = 🏁 Your report <b>{ $id }</b> ({ $category }) is resolved. Thank you for keeping the streets safe!
report-notify-rejected = ❌ Your report <b>{ $id }</b> ({ $category }) was not accepted: { $reason }.
report-notify-duplicate = 🔁 Your report <b>{ $id }</b> ({ $category }) is the same problem as { $of }, which is already being handled.
report-notify-points = 💰 +{ $points } points in your passbook.

## Grid reports: the coordinators' card
triage-card =
    📋 <b>{ $id }</b> · { $category }
    📍 { $place } · <a href="{ $map }">map</a>
    👤 { $role } · { $at }
triage-role-rider = rider
triage-former-rider = former rider (data erased)
triage-role-grid-officer = grid officer
triage-possible-duplicate = ⚠️ Possibly the same as { $of } (same problem within 50 m in 48 h).
triage-default-department = {" "}→ { $dept }?
triage-btn-accept = ✅ Accept
triage-btn-reject = ❌ Reject
triage-btn-route = 🏢 Route
triage-btn-resolve = 🏁 Resolved
triage-btn-duplicate = 🔁 Duplicate of…
triage-btn-merge = 🔗 Merge into { $of }
triage-btn-duplicate-of = { $of } ({ $metres } m)
triage-reason-unclear = the photo does not show the problem clearly
triage-reason-not-a-problem = this is not a problem for the city
triage-reason-outside = the place is outside the district
triage-reason-fixed = it has already been fixed
triage-reason-private = it is on private property
triage-not-coordinator = Only coordinators can act on reports.
triage-wrong-group = These buttons work only in the coordinators' group.
triage-no-duplicates = No open report of the same problem within 200 m. To merge with another, send /report { $id } duplicate R-…
triage-done = { $id }: { $status }
triage-follow-up = ⏰ <b>{ $id }</b> has been { $status } for { $days } days and is not resolved yet.
triage-actor-id = coordinator #{ $id }
report-group-unset = ⚠️ COORDINATOR_CHAT_ID is not set, so reports are not posted to a group. They are all kept here.
report-group-unreachable = ⚠️ { $n } open reports could not be posted to the coordinators' group (is the bot a member?). They are retried every 10 minutes.

## Free services
cmd-services = free services: sign up
cmd-session = a session's sign-ups and check-in QR
cmd-checkin = check a rider in to a session
services-title = 🎁 <b>Free services</b> (page { $page } of { $pages }), soonest first:
services-none = 🎁 No free services are planned for the next two weeks. Look again soon!
services-hint = Tap a number to see a session and sign up.
services-seats = { $left }/{ $capacity } seats left
services-full = full ({ $waiting } waiting)
services-mine-signed = ✅ you are signed up
services-mine-waitlisted = ⏳ you are number { $place } on the waitlist
services-mine-attended = 🎉 you attended
services-card =
    { $icon } <b>{ $title }</b>
    📍 { $station }
    🕘 { $when }
    🪑 { $seats }
services-btn-sign-up = ✅ Sign up
services-btn-waitlist = ⏳ Join the waitlist
services-btn-cancel = ✖️ Cancel my sign-up
services-btn-cancel-yes = ✖️ Yes, cancel it
services-btn-keep = ◂ Keep it
services-btn-navigate = 🧭 Navigate
services-btn-all = ◂ All services
services-btn-open = 🎁 Open
services-btn-sooner = ◂ Sooner
services-signed-up = ✅ Signed up. We will remind you two hours before.
services-cancelled-mine = Cancelled. Your seat goes to the next in line.
services-unknown = That session does not exist.
services-started = That session has started or is over.
services-cancelled = That session was cancelled.
services-not-signed-up = You are not signed up for that session.
services-promoted = 🎉 A seat opened up: you are now signed up for { $icon } <b>{ $title }</b>, { $when }.
services-reminder = ⏰ Reminder: { $icon } <b>{ $title }</b>, { $when }. Scan the QR code at the station to check in. Can't come? Cancel so someone else gets the seat.
services-check-in-none = No session is open for check-in here right now (it opens an hour before the start).
services-check-in-not-now = Check-in is open from an hour before the start until the end.
services-check-in-waitlisted = You are on the waitlist without a seat. Please ask the coordinator at the station.
services-checked-in = 🎉 Checked in to <b>{ $title }</b>. Enjoy!
services-checked-in-again = You are already checked in to <b>{ $title }</b>.
services-checked-in-by-coordinator = ✅ { $who } checked in to { $title } (+{ $points } points).
services-session-usage = Usage: /session CODE [cancel REASON], e.g. /session HAIRCUT-20261205 (the codes are in /services cards and reminders).
services-checkin-usage = Usage: /checkin SESSION RIDER, e.g. /checkin HAIRCUT-20261205 @rider or a user id (or reply to their forwarded message).
services-roster-title = { $icon } <b>{ $title }</b> · { $when } · { $seats }
services-status-signed = signed up
services-status-waitlisted = waiting
services-status-attended = attended
services-code-caption = 🔖 Check-in code for { $icon } <b>{ $title }</b>, { $when }. Print it on the day or show it on a screen at the station: it checks in riders with a seat in this session only, from an hour before the start until the end. Do not post it in chats.
services-code-link = 🔖 This session's check-in link (for the QR code below; do not post it in chats): { $link }
services-code-invalid = ❌ This check-in code is not valid. Scan the code shown at the station on the day, or share your live location there.
services-code-too-early = ⏳ This code is for { $icon } <b>{ $title }</b>, { $when }. It works only from { $opens } until { $closes } on { $day }: scan it again then.
services-code-closed = ⌛ This code was for { $icon } <b>{ $title }</b>, { $when }. Check-in for it closed at { $closes } on { $day }: a code works only for its own session.
services-code-no-seat = This code is for { $icon } <b>{ $title }</b> at { $station }, { $when }, and you have no seat in it: only riders signed up for a session check in with its code.
services-check-in-how =
    { $icon } <b>{ $title }</b>
    📍 { $station }
    🕘 { $when }
    To check in, scan the code shown at the station today, or share your <b>live</b> location in this chat while you are there (📎 → Location → Share My Live Location). This poster alone does not check you in.
services-live-needed = 📍 To check in, share a <b>live</b> location (📎 → Location → Share My Live Location): a one-off location can be sent from anywhere. Or scan the code shown at the station.
services-too-far = 📍 You are about { $distance } from { $station }, where { $icon } <b>{ $title }</b> is. Check-in by location works within { $radius } of it: share your live location again when you are there.
services-session-cancelled = ❌ Cancelled: { $icon } <b>{ $title }</b>, { $when }. Sorry! Other sessions are in /services.
services-session-cancelled-done = { $code } cancelled; { $n } riders were told.

flood-slow-down = 🐢 That is a lot of messages at once. I skipped some of them; please send one at a time.

## Broadcasts
cmd-broadcast = Send an announcement to riders
cmd-broadcasts = Recent announcements and their figures
cmd-notifications = Announcements and nearby alerts: on or off
broadcast-ask-body = 📣 Send the announcement: a text, or a photo with a caption. Formatting you use (bold, links…) is kept. /cancel to stop.
broadcast-ask-audience = Who should get it?
broadcast-to-all = All registered riders
broadcast-to-officers = Grid officers
broadcast-to-platform = A platform or company…
broadcast-to-near = Riders near a station…
broadcast-to-session = Signed up for a session…
broadcast-ask-near = Send the station code and, if you like, a radius in km, e.g. <code>LF-S01 3</code> (3 km when you leave it out). Only riders who turned on nearby alerts are placed near a station.
broadcast-ask-session = Send the session code, e.g. <code>HAIRCUT-20261205</code>.
broadcast-ask-button = Send a station code (<code>LF-S01</code>) or a session code (<code>HAIRCUT-20261205</code>) to put an "open" button under the message.
broadcast-ask-when = When should it go? Send <code>HH:MM</code> (today) or <code>MM-DD HH:MM</code>, district time.
broadcast-use-buttons = Please use the buttons above.
broadcast-body-kinds = An announcement is a text or a photo with a caption. Please send one of those.
broadcast-empty = The announcement is empty. Please send some text.
broadcast-caption-too-long = A photo's caption can be at most 1,024 characters. Please send a shorter caption, or the text on its own.
broadcast-text-too-long = A message can be at most 4,096 characters. Please send a shorter one.
broadcast-audience-platform = riders of { $platform }
broadcast-audience-near = riders near { $station } (within { $km } km, nearby alerts on)
broadcast-audience-session = riders signed up for { $session }
broadcast-review = ☝️ That is how riders will see it.
    To: { $audience } · <b>{ $n }</b> recipients.
broadcast-opted-out = { $n } turned announcements off and are left out. Mark it urgent (safety only) to reach them too.
broadcast-urgent-reaches = 🚨 Urgent: it also reaches the { $n } who turned announcements off.
broadcast-btn-urgent-off = 🚨 Mark urgent
broadcast-btn-urgent-on = ✅ Urgent (tap to undo)
broadcast-btn-add-button = ➕ Add a button
broadcast-btn-change-button = 🔁 Change the button
broadcast-btn-send = 📤 Send now
broadcast-btn-later = 🕒 Send later
broadcast-btn-discard = ✖ Cancel
broadcast-btn-stop = ⛔ Stop sending
broadcast-no-audience = Nobody is in that audience (or everyone in it turned announcements off). Choose another, or mark it urgent if it is about safety.
broadcast-no-station = There is no station { $code }.
broadcast-no-session = There is no session { $code }.
broadcast-bad-radius = A radius is between 0.1 and 50 km.
broadcast-in-the-past = That time has passed. Please send a time still to come.
broadcast-unknown = There is no broadcast #{ $id }.
broadcast-over = Broadcast #{ $id } has already finished; there is nothing to stop.
broadcast-already-sent = This announcement was sent already, as broadcast #{ $id }.
broadcast-sending = 📤 Broadcast #{ $id } is on its way to { $n } riders.
broadcast-scheduled = 🕒 Broadcast #{ $id } will go to { $n } riders at { $at }.
broadcast-cancelled = Broadcast #{ $id } stopped: what was not sent will not be.
broadcast-open-station = 📍 Open station { $code }
broadcast-open-session = 📝 Sign up: { $code }
broadcast-progress = 📣 Broadcast #{ $id }: { $sent } / { $total } sent · { $unreachable } unreachable · { $failed } failed
broadcast-progress-scheduled = 🕒 Broadcast #{ $id }: scheduled for { $total } riders.
broadcast-progress-done = ✅ Broadcast #{ $id } finished: { $sent } / { $total } sent · { $unreachable } unreachable · { $failed } failed · { $unknown } unknown · { $dropped } not sent
broadcast-progress-cancelled = ⛔ Broadcast #{ $id } stopped: { $sent } / { $total } sent · { $unreachable } unreachable · { $failed } failed · { $unknown } unknown · { $dropped } not sent
broadcast-list-head = 📣 <b>Recent announcements</b>
broadcast-list-empty = No announcements yet. Send one with /broadcast.
notifications-view = 🔔 <b>Your notifications</b>
    Announcements from the district: { $announcements }
    Nearby alerts: { $nearby }
    With nearby alerts on, we keep the area (about 1 km) of the last location you share, for 30 days, so the team can warn riders near a station. Urgent safety messages reach everyone.
notifications-on = on
notifications-off = off
notifications-btn-announcements-off = 🔕 Turn announcements off
notifications-btn-announcements-on = 🔔 Turn announcements on
notifications-btn-nearby-on = 📍 Turn nearby alerts on
notifications-btn-nearby-off = 📍 Turn nearby alerts off (forget my area)
held-notification-settings = Your notification settings
held-area = The area of your last shared location (nearby alerts)
erased-notification-settings = Your notification settings and any kept area are deleted.
station-visit-counted = 👋 Welcome to { $name }! Your visit is counted.
station-visits = 👣 Visits (poster scans and “I'm here”): { $today } today · { $week } in the last 7 days · { $total } in all
held-visits = Station visits (poster scans and “I'm here”)
erased-visits-kept = { $n } station visits stay in the district's figures, without your name.
# stats
cmd-stats = Figures: riders, visits, services, reports, points, feedback
stats-usage = Use: <code>/stats [week|month|year|all|2026-11] [STATION|PLATFORM]</code>, e.g. <code>/stats month</code>, <code>/stats all LF-S01</code>, <code>/stats week meituan</code>.
stats-no-such-scope = “{ $word }” is not a period, a station code or a platform.
stats-not-begun = That month has not begun yet.
stats-span-button = { $span ->
    [week] This week
    [month] This month
    [year] This year
   *[all] All time
}
stats-charts-button = 📈 Charts
stats-title = 📊 <b>{ $span }</b> · { $scope }
    { $range }
stats-range = { $first } – { $last }
stats-range-all = Everything so far
stats-scope-district = the whole district
stats-riders = 👥 Riders registered: { $total } ({ $new } new)
stats-riders-active = 🙋 Active: { $active } · reached (attended, visited or reported): { $reached }
stats-visits = 👣 Station visits: { $n }
stats-activities = 🗓 Activities held: { $held } · sign-ups { $signed } · attended { $attended } · no-shows { $noshows } · waiting { $waiting }
stats-reports = 📝 Reports filed: { $n }
stats-reports-timing = ⏱ Median to accept: { $accept } ({ $accepted } accepted) · to resolve: { $resolve } ({ $resolved } resolved)
stats-points = ⭐ Points issued: { $issued } · redeemed: { $redeemed } ({ $n } rewards handed over)
stats-broadcasts = 📣 Announcements: { $n }, reaching { $reach } people
stats-feedback = 💬 Feedback: { $n } received · { $answered } answered (median { $median })
stats-feedback-rating = ⭐ Answers rated { $rating } / 5 ({ $n } ratings)
stats-station-note = Reports counted within about 1 km of the station (a square 2 km across). Registrations, points, announcements and feedback belong to no station.
stats-duration-days = { $d } d { $h } h
stats-duration-hours = { $h } h { $m } min
stats-duration-minutes = { $m } min
btn-here = 📍 I'm at { $name }: count my visit
here-stale = That location is more than { $minutes } minutes old. Share your location again at the station.
here-already = Your visit to { $name } is already counted today. See you tomorrow!

## feedback (listening to riders)
cmd-feedback = Tell the district team what you need (coordinators: open feedback)
menu-feedback = 💬 Tell us
feedback-topic-charging = 🔌 Charging
feedback-topic-rest = 🛋 A place to rest
feedback-topic-food = 🍱 Food and water
feedback-topic-health = 🩺 Health
feedback-topic-legal = ⚖️ Legal help
feedback-topic-app = 📱 This app
feedback-topic-other = 💡 Something else
feedback-ask-topic = 💬 <b>Tell the district team</b>
    What is it about? Tap a topic.
feedback-topic-chosen = 💬 Topic: { $topic }
feedback-ask-body = { $topic }: now send your message: text (up to { $max } characters), a photo (you can add a caption), or a voice note (up to { $minutes } minutes). Cancel stops here.
feedback-use-buttons = Please tap one of the topic buttons, or Cancel.
feedback-body-kinds = That can't be sent as feedback. Please send text, a photo or a voice note — or tap Cancel.
feedback-text-too-long = Your text has { $len } characters; the limit is { $max }. Please shorten it and send it again, or split it and send the most important part first.
feedback-caption-too-long = The photo's caption has { $len } characters; the limit is { $max }. Send the photo again with a shorter caption, or send the words as text.
feedback-voice-too-long = Your voice note is { $minutes }:{ $seconds } long; the limit is { $max } minutes. Please record a shorter one, or write it as text.
feedback-filed = ✅ Thank you! Your feedback <b>{ $id }</b> ({ $topic }) has reached the district team.
    When a coordinator answers, the answer comes here and you can rate it. Everything riders send is also counted, so the most common needs can become services.
feedback-unknown = There is no feedback { $id }.
feedback-rated-already = You rated the answer to { $id } already: { $stars } ⭐. Thank you!
feedback-closed-already = Feedback { $id } is closed already.
feedback-reply-not-text = Only a text reply reaches the rider. Please reply to the item with text.
feedback-reply-too-long = This reply has { $len } characters; at most { $max } reach the rider. Please reply with a shorter text.
feedback-btn-close = ✔️ Close
feedback-from-rider = a rider
feedback-from-grid-officer = a grid officer
feedback-group-item = 💬 <b>{ $id }</b> · { $topic }
    From { $who } · { $at }
feedback-group-voice = 🎙 Voice note, { $minutes }:{ $seconds }
feedback-group-reply-hint = ↩️ Reply to this message to answer the rider.
feedback-answer = 💬 <b>Answer to your feedback { $id }</b> ({ $topic }):
feedback-rate-ask = How helpful was this answer? Tap 1 (not at all) to 5 (very).
feedback-rated = Thank you: { $stars } ⭐
feedback-rated-thanks = ⭐ You rated the answer to { $id }: { $stars } out of 5. Thank you — it helps the team.
feedback-ack-sent = ✅ { $id }: your answer is on its way to the rider.
feedback-ack-erased = 📝 { $id }: your answer is recorded, but it will not reach anyone: the rider has erased their data.
feedback-ack-blocked = 📝 { $id }: your answer is recorded, but it was not sent: the rider has blocked the bot. It is not sent later either; it stays with the item.
feedback-closed = ✔️ Feedback { $id } is closed.
feedback-usage = Use /feedback to list open feedback, or /feedback F-000123 close to close one. Answer an item by replying to it in the coordinators' group.
feedback-age-minutes = { $n } min
feedback-age-hours = { $n } h
feedback-age-days = { $n } d
feedback-kind-voice = 🎙 voice note
feedback-kind-photo = 📷 photo
feedback-list-empty = No open feedback. 🎉
feedback-list-head = 💬 <b>Open feedback: { $n }</b> (oldest first)
feedback-list-more = …and { $n } more.
feedback-list-hint = Answer by replying to the item in the coordinators' group; close with /feedback F-000123 close.
held-feedback = Feedback you sent
held-feedback-replies = Answers the team sent to your feedback
erased-feedback = { $n } feedback items stay only as counts by topic; your words, photos and voice notes are deleted.
erased-feedback-replies = { $n } answers to your feedback are deleted.
feedback-not-posted = {" "}⏳ not in the group yet (is the bot in it?)
feedback-group-erased = 💬 <b>{ $id }</b> · { $topic }
    The rider has erased their data: what they sent is removed.

# charts: the images /stats sends (src/charts)
charts-no-data = No data in this period
charts-date = { $day } { $month ->
        [1] Jan
        [2] Feb
        [3] Mar
        [4] Apr
        [5] May
        [6] Jun
        [7] Jul
        [8] Aug
        [9] Sep
        [10] Oct
        [11] Nov
       *[12] Dec
    }
charts-month = { $month ->
        [1] Jan
        [2] Feb
        [3] Mar
        [4] Apr
        [5] May
        [6] Jun
        [7] Jul
        [8] Aug
        [9] Sep
        [10] Oct
        [11] Nov
       *[12] Dec
    } { $year }
charts-month-short = { $month ->
        [1] Jan
        [2] Feb
        [3] Mar
        [4] Apr
        [5] May
        [6] Jun
        [7] Jul
        [8] Aug
        [9] Sep
        [10] Oct
        [11] Nov
       *[12] Dec
    }
charts-year = { $year }
charts-reports-heading = { $unit ->
        [day] Reports filed per day, by status now
        [week] Reports filed per week, by status now
        [month] Reports filed per month, by status now
       *[year] Reports filed per year, by status now
    }
charts-status-submitted = Submitted
charts-status-accepted = Accepted
charts-status-routed = Routed
charts-status-resolved = Resolved
charts-status-closed = Rejected, duplicate, withdrawn
charts-visits-heading = { $unit ->
        [week] Station visits and attendance per week
        [month] Station visits and attendance per month
       *[year] Station visits and attendance per year
    }
charts-series-visits = Station visits
charts-series-attended = Attended a service
charts-week-of = weeks from Monday
charts-riders-registered = Riders registered
charts-riders-active = Active riders
charts-visits = Station visits
charts-activities = Activities held
charts-riders-reached = Riders reached
charts-reports = Reports filed / resolved
charts-median-accept = Median time to accept
charts-median-resolve = Median time to resolve
charts-points = Points issued / redeemed
charts-signups = Sign-ups / attended / no-shows
charts-broadcasts = Broadcasts / riders reached
charts-feedback = Feedback received / answered
charts-top-needs = Top needs by topic
charts-no-needs = No feedback in this period
charts-minutes = { $n } min
charts-hours = { $n } h
charts-days = { $n } days
charts-no-value = –
stats-charts-drawing = Drawing the charts…
## exports
cmd-export = export a CSV file (reports, riders, ledger, sign-ups, visits, feedback)
export-usage = 📄 <b>/export TABLE [FROM] [TO] [phones]</b>
    Tables: { $tables }
    Dates are district days written YYYY-MM-DD, both included: /export reports 2026-11-01 2026-11-30
    No date: everything. One date: from that day to today.
    Phone numbers are masked (138****5678); /export riders phones gives full numbers and is recorded.
export-unknown-table = There is no table “{ $word }”. Tables: { $tables }
    Example: /export reports 2026-11-01 2026-11-30
export-bad-date = “{ $word }” is not a date. Write dates as YYYY-MM-DD, for example: /export ledger 2026-11-01 2026-11-30
export-too-many-dates = At most two dates, the first day and the last. For example: /export ledger 2026-11-01 2026-11-30
export-reversed = { $from } is after { $to }. Put the earlier day first: /export ledger { $to } { $from }
export-future = { $day } has not come yet (today is { $today }). For example: /export ledger 2026-11-01 { $today }
export-phones-riders-only = Phone numbers are only in the riders file: /export riders phones
export-busy-yours = ⏳ Your last export is still being prepared; it will arrive in this chat. Ask for the next one when it has.
export-busy-full = ⏳ { $n } exports are being prepared right now. Please try again in a minute.
export-period = { $from } to { $to }
export-period-all = everything up to { $to }
export-preparing = ⏳ Preparing { $file } ({ $period })…
export-ready = ✅ { $file }: { $rows } rows, sent below.
export-ready-zipped = ✅ { $file }: { $rows } rows, sent below as a zip (the CSV was larger than the { $limit } MB Telegram lets a bot send).
export-empty = Nothing in this period: no { $table } rows for { $period }. No file was made.
export-too-large = The file is too large to send even zipped ({ $size } MB; a bot may send { $limit } MB). Please ask for a shorter period, for example one month.
export-failed = The export could not be made; nothing was sent. Please try again.
export-caption = 📄 { $table } · { $period } · { $rows } rows · times in { $tz }
export-caption-phones = 🔒 Full phone numbers: keep this file safe and delete it when done. This export is recorded.
station-visit-counted-points = 👋 Welcome to { $name }! Your visit is counted: +{ $points } points.
station-visit-counted-capped = 👋 Welcome to { $name }! Your visit is counted (today's visit points are already earned).
entry-visit = 👣 visited { $station }
station-visit-counted-not-live = 👋 Welcome to { $name }! Your visit is counted. Visit points need proof you are here: share your <b>live</b> location (📎 → Location → Share live location) and tap “I'm here”.
