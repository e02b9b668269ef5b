"""Given names and family names for generated contacts (several countries, some accents)."""

from __future__ import annotations

FIRST_NAMES: tuple[str, ...] = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "Olivia", "Amelia", "Harry", "Oliver", "Isla", "Noah", "Chloé", "Léa", "Hugo",
    "Manon", "Lukas", "Sophie", "Maximilian", "Jürgen", "Charlotte", "Jack", "Mia", "William",
    "Ava", "Liam", "Émile", "Zoë", "Siobhán", "Mateo", "Lucía", "Giulia", "Marco", "Aiko",
    "Priya", "Wei", "Fatima", "Omar", "Ngozi", "Mårten", "Ines", "José",
)
LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Taylor",
    "Wilson", "Evans", "Thomas", "Roberts", "Martin", "Bernard", "Dubois", "Durand", "Lefèvre",
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "O'Brien", "MacLeod", "Nguyen",
    "Tremblay", "Gagnon", "Roy", "Singh", "Patel", "Kim", "Rossi", "Ferrari", "García",
    "Fernández", "Kowalski", "van der Berg", "De Luca", "Okafor", "Hansen", "Lee", "Chen",
)
