"""Who is calling and what they may touch: principals and the access policy."""
