def home(r): pass
person_list=person_register=person_detail=person_edit=person_reveal=person_access_tab=access_log=home
