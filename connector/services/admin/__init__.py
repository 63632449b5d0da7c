"""What the merchant's admin needs beyond the capabilities' own services.

`merchant` resolves the shop a verified session names, one advocate with their numbers, and
replays one of the shop's own deliveries; `access` verifies the WordPress plugin's admin token;
`adjustments` records a person's changes to one advocate (points, a granted reward, block and
unblock) with the staff user; `overview` answers what needs attention and the counts to date;
`settings` keeps the widget copy, referral parameter and consent a merchant edits; `dashboard`
answers the dashboard page (the period's KPIs, top advocates, contest standings). Every
function takes the shop, so no id reaches another shop's rows. It sits above every capability and may call any of them; no capability
imports it.
"""
