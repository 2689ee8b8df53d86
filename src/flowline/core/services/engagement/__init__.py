"""Engagement: tracked links and opens (`tokens`), the links each mail had (`links`), and each
open or click recorded against its delivery and as an event on the profile (`recording`)."""
