WORD = "hello, world"
