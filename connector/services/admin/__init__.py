"""What the merchant's admin needs beyond the capabilities' own services.

`merchant` resolves the shop a verified session names, one advocate with their numbers, and
replays one of the shop's own deliveries; every function takes the shop, so no id reaches
another shop's rows. It sits above every capability and may call any of them; no capability
imports it.
"""
