package meta

import "testing"

func TestTitleCaseName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"JANE DOE", "Jane Doe"},
		{"JEAN-LUC DE LA FONTAINE", "Jean-Luc de la Fontaine"},
		{"J.R. SMITH", "J.R. Smith"},
		{"CONAN O'BRIEN", "Conan O'Brien"},
		{"CONAN O’BRIEN", "Conan O’Brien"},
		{"JOHN A SMITH", "John A Smith"},
		{"JOHN ST. CLAIR", "John St. Clair"},
		{"DE NIRO", "De Niro"},
		{"RICHARD (R.J.) ESKOW", "Richard (R.J.) Eskow"},
		{"JOSÉ DA SILVA", "José da Silva"},
		{"АННА ИВАНОВА", "Анна Иванова"},
		{"CNN'S JANE DOE", "Cnn's Jane Doe"},
		{"D'ARCY O’NEILL", "D'Arcy O’Neill"},
		{"JOHN SMITH III", "John Smith III"},
		{"MCDONALD", "McDonald"},
		{"MARY MCCARTHY-JONES", "Mary McCarthy-Jones"},
		{"MACDONALD", "Macdonald"}, // Mac: as often Mack or Macy
		{"MCA", "Mca"},
		{"III SMITH", "Iii Smith"},
		{"ΓΙΩΡΓΟΣ ΠΑΠΑΔΟΠΟΥΛΟΣ", "Γιωργος Παπαδοπουλος"},
		{"ΣΩΤΗΡΗΣ (ΣΑΚΗΣ) ΙΩΑΝΝΟΥ", "Σωτηρης (Σακης) Ιωαννου"},
	}
	for _, tc := range tests {
		if got := titleCaseName(tc.in); got != tc.want {
			t.Errorf("titleCaseName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAllCaps(t *testing.T) {
	for in, want := range map[string]bool{
		"JANE DOE":     true,
		"J.R. SMITH":   true,
		"Jane Doe":     false,
		"JANE DOE and": false,
		"DeShawn":      false,
		"A":            false,
		"山田太郎":         false,
		"АННА ИВАНОВА": true,
	} {
		if got := allCaps(in); got != want {
			t.Errorf("allCaps(%q) = %v, want %v", in, got, want)
		}
	}
}
