print("hookstream")
