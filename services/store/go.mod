module github.com/newsflow/newsflow/services/store

go 1.26.8
