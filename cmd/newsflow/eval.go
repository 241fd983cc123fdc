package main

import (
	"errors"
	"io"
)

func cmdEval(args []string, stdout, stderr io.Writer) error {
	return errors.New("not yet")
}
