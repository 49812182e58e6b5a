"""A cheaper argon2 for the test suite only (settings select it when ACCORD_TESTS is set)."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    algorithm = "argon2"
    time_cost = 1
    memory_cost = 1024
    parallelism = 1
